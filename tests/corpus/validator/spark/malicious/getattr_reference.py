# expect: safety.dynamic-attribute
# class: 4-computed-attributes
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
from functools import reduce
result = reduce(getattr, ['a', 'b'], df)
