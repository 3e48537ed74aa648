# expect: safety.dunder-access
# class: 2-function-internals
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
def g(a=1):
    return a
x = g.__defaults__
result = df
