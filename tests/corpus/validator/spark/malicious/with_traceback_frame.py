# expect: safety.introspection
# class: 3-frames
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
try:
    1 / 0
except Exception as e:
    x = e.with_traceback(None)
result = df
