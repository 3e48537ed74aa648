# expect: safety.dunder-access
# class: 4-computed-attributes
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
x = f"{df.__class__.__mro__}"
result = df
