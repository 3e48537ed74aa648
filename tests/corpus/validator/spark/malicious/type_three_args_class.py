# expect: safety.dynamic-code
# class: 6-dynamic-code
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
K = type("K", (object,), {"a": 1})
x = K
result = df
