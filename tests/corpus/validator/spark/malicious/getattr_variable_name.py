# expect: safety.dynamic-attribute
# class: 4-computed-attributes
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
name = "_" * 2 + "class" + "_" * 2
x = getattr(df, name)
result = df
