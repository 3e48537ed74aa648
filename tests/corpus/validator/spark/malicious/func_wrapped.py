# expect: safety.dunder-access
# class: 2-function-internals
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import functools
x = functools.partial(print).func.__wrapped__
result = df
