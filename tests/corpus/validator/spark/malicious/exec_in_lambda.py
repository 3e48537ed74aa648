# expect: safety.forbidden-call
# class: 6-dynamic-code
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
f = lambda s: exec(s)
f("x = 1")
x = 1
result = df
