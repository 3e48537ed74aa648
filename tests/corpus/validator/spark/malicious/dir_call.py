# expect: safety.forbidden-call
# class: 4-computed-attributes
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = [n for n in dir(df) if n.startswith('_j')]
