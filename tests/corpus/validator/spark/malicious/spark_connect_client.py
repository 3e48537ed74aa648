# expect: safety.spark-session-api
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
c = spark.client
result = df
