# expect: safety.dunder-access
# class: 6-dynamic-code
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
class K:
    def __reduce__(self):
        return (print, ('x',))
x = K
result = df
