# expect: safety.dunder-access
# class: 5-indirect-import
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
def f():
    global __builtins__
    return 1
result = df
