# expect: safety.forbidden-call
# class: 6-dynamic-code
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
@eval
@repr
class K:
    pass
x = K
result = df
