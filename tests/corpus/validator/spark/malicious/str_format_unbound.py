# expect: safety.format-string
# class: 4-computed-attributes
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
f = str.format
x = f("{0.columns}", df)
result = df
