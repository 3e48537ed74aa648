# expect: safety.dunder-access
# class: 2-function-internals
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
def outer():
    x = 1
    def inner():
        return x
    return inner
result = outer().__closure__[0].cell_contents
