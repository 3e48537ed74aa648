# expect: safety.udf
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
df.foreachPartition(lambda it: None)
result = df
