# expect: safety.dynamic-attribute
# class: 4-computed-attributes
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
x = getattr(df, b"\x5f\x5fclass\x5f\x5f".decode())
result = df
