# expect: safety.redefinition
# class: 7-source-tricks
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
class A:
    pass
class A:
    pass
x = A
result = df
