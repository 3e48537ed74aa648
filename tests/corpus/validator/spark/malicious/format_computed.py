# expect: safety.format-string
# class: 4-computed-attributes
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
tmpl = '{0.' + 'x}'
result = ('{0.' + 'x}').format(df)
