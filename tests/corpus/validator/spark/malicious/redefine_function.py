# expect: safety.redefinition
# class: 7-source-tricks
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
def clean(v):
    return v
def clean(v):
    return None
x = clean(1)
result = df
