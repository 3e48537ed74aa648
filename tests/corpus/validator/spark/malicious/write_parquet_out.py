# expect: contract.writes-output
# class: contract
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
df.write.parquet("/tmp/out")
result = df
