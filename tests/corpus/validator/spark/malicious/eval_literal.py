# expect: safety.forbidden-call
# class: 6-dynamic-code
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
x = eval("1 + 1")
result = df
