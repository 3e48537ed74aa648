# expect: safety.redefinition
# class: 7-source-tricks
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
def summarise(d):
    return d.count()
def summarise(d):
    return d.collect()
result = summarise(df)
