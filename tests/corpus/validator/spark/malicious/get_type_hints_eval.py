# expect: safety.dynamic-code
# class: 6-dynamic-code
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import typing
def g(a: "int"):
    return a
x = typing.get_type_hints(g)
result = df
