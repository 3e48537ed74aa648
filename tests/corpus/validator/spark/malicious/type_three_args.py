# expect: safety.dynamic-code
# class: 6-dynamic-code
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
Evil = type('Evil', (object,), {'x': 1})
result = df
