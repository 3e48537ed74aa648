# expect: safety.forbidden-call
# class: 6-dynamic-code
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
pdf = df.toPandas()
result = pdf.eval('a + b')
