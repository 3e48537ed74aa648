# expect: safety.forbidden-call
# class: 4-computed-attributes
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
x = dir(df)
result = df
