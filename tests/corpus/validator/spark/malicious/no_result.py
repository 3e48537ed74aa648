# expect: contract.result-not-bound
# class: contract
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
answer = df.count()
