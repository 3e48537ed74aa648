# expect: safety.udf
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = df.groupBy("region").applyInPandas(lambda p: p, "region string")
