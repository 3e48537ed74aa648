# expect: safety.dunder-access
# class: 4-computed-attributes
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
x = getattr(df, "__cla" + "ss__")
result = df
