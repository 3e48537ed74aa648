# expect: safety.introspection
# class: 3-frames
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
async def ag():
    yield 1
x = ag().ag_frame
result = df
