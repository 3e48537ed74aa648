# expect: safety.py4j-escape
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
j = getattr(df, "_jdf")
result = df
