# expect: safety.introspection
# class: 1-subclass-traversal
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
base = type(()).mro()[-1]
result = df
