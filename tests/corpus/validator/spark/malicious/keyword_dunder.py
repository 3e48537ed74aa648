# expect: safety.dunder-access
# class: 4-computed-attributes
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = dict(__class__=1)
