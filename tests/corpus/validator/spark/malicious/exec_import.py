# expect: safety.forbidden-call
# class: 6-dynamic-code
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
exec("import os")
x = 1
result = df
