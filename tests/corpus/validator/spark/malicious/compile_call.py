# expect: safety.forbidden-call
# class: 6-dynamic-code
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
code = compile('1+1', 'x', 'eval')
result = df
