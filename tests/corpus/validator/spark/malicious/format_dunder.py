# expect: safety.dunder-access
# class: 4-computed-attributes
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = '{0.__class__.__init__.__globals__}'.format(df)
