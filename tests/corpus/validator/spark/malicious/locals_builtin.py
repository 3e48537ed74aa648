# expect: safety.forbidden-call
# class: 11-forbidden-modules-builtins
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
x = locals()
result = df
