# expect: safety.dunder-access
# class: 2-function-internals
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
def f():
    return 1
result = f.__code__.co_consts
