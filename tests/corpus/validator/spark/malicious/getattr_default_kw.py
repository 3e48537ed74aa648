# expect: safety.dynamic-attribute
# class: 4-computed-attributes
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
x = getattr(df, "count", default=None)
result = df
