# expect: safety.udf
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = df.mapInPandas(lambda it: it, schema=df.schema)
