# expect: syntax.error
# class: 7-source-tricks
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = df.groupBy('a'
