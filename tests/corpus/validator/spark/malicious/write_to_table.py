# expect: contract.writes-output
# class: contract
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
df.writeTo("db.t").create()
result = df
