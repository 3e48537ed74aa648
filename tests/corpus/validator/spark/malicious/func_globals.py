# expect: safety.dunder-access
# class: 2-function-internals
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
def f():
    pass
result = f.__globals__['__builtins__']
