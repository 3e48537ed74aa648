# expect: safety.introspection
# class: 3-frames
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
x = (i for i in []).gi_code.co_names
result = df
