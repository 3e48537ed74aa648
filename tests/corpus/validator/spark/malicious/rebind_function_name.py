# expect: safety.redefinition
# class: 7-source-tricks
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
def clean(v):
    return v
clean = print
x = clean
result = df
