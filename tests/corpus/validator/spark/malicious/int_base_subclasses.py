# expect: safety.dunder-access
# class: 1-subclass-traversal
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
x = (1).__class__.__base__.__subclasses__()
result = df
