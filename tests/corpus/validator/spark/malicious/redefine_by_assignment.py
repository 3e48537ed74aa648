# expect: safety.redefinition
# class: 7-source-tricks
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
def clean(d):
    return d.dropna()
clean = lambda d: d.rdd
result = clean(df)
