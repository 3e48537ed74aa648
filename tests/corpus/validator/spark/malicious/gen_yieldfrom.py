# expect: safety.introspection
# class: 3-frames
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
def g():
    yield from [1]
x = g().gi_yieldfrom
result = df
