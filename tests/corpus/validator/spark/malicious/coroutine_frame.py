# expect: safety.introspection
# class: 3-frames
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
async def c():
    return 1
result = c().cr_frame
