# expect: safety.introspection
# class: 3-frames
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
g = (x for x in [1])
result = g.gi_frame.f_back.f_globals
