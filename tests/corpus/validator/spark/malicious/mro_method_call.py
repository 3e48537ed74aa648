# expect: safety.introspection
# class: 1-subclass-traversal
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
x = type(df).mro()[-1]
result = df
