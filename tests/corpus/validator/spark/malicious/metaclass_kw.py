# expect: safety.dynamic-code
# class: 6-dynamic-code
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
class M(type):
    pass
class K(metaclass=M):
    pass
x = K
result = df
