# expect: safety.spark-conf
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
k = "spark.sql." + "extensions"
spark.conf.set(k, "x")
result = df
