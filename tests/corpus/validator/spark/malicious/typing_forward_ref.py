# expect: safety.dynamic-code
# class: 6-dynamic-code
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import typing
x = typing.ForwardRef("__import__('os')")
result = df
