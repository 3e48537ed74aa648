# expect: contract.writes-output
# class: contract
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
df.toPandas().to_csv('out.csv')
result = df
