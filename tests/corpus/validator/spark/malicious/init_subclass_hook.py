# expect: safety.dunder-access
# class: 6-dynamic-code
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
class K:
    def __init_subclass__(cls):
        pass
x = K
result = df
