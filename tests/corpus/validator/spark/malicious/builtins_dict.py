# expect: safety.dunder-access
# class: 5-indirect-import
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
b = __builtins__
result = b['__import__']('os')
