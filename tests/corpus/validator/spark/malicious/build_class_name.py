# expect: safety.dunder-access
# class: 6-dynamic-code
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
x = __build_class__
result = df
