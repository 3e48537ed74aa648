# expect: safety.dynamic-code
# class: 6-dynamic-code
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
class Meta(type):
    pass
class A(metaclass=Meta):
    pass
result = df
