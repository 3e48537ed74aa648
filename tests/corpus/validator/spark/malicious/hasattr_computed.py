# expect: safety.dynamic-attribute
# class: 4-computed-attributes
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
n = "co" + "unt"
x = hasattr(df, n)
result = df
