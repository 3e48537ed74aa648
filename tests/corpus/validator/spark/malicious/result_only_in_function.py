# expect: contract.result-not-bound
# class: contract
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
def f():
    result = df.count()
    return result
answer = f()
