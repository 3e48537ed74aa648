# expect: safety.dunder-access
# class: 5-indirect-import
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
x = __builtins__["__import__"]("os")
result = df
