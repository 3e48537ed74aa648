# expect: safety.bidi-control
# class: 7-source-tricks
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
x = 1  # ⁧ tail
result = df
