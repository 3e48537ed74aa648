# expect: safety.dynamic-attribute
# class: 4-computed-attributes
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import functools
x = functools.reduce(getattr, ["__class__", "__base__"], df)
result = df
