# expect: safety.dunder-access
# class: 4-computed-attributes
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
match df:
    case object(__class__=c):
        x = c
result = df
