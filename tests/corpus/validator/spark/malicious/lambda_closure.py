# expect: safety.dunder-access
# class: 2-function-internals
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
def mk():
    v = 1
    return lambda: v
x = mk().__closure__[0].cell_contents
result = df
