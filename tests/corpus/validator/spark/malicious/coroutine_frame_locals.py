# expect: safety.introspection
# class: 3-frames
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
async def c():
    return 1
co = c()
x = co.cr_frame.f_locals
result = df
