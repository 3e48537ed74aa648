# expect: safety.format-string
# class: 4-computed-attributes
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
fmt = "{0.sparkSession.version}".format
x = fmt(df)
result = df
