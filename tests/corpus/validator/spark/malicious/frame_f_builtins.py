# expect: safety.introspection
# class: 3-frames
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
g = (i for i in [1])
x = g.gi_frame.f_builtins
result = df
