# expect: safety.forbidden-call
# class: 6-dynamic-code
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
def g(a=exec("y = 1")):
    return a
x = g()
result = df
