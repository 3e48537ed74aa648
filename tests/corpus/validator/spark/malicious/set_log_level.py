# expect: safety.spark-session-api
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
spark.setLogLevel("OFF")
result = df
