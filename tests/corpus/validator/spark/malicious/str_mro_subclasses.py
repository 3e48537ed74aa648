# expect: safety.dunder-access
# class: 1-subclass-traversal
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
x = "".__class__.__mro__[1].__subclasses__()
result = df
