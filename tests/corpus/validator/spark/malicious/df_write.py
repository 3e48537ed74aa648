# expect: contract.writes-output
# class: contract
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
df.write.mode('overwrite').parquet(inputs['sales'])
result = df
