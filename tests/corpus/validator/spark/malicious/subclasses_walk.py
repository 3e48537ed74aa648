# expect: safety.dunder-access
# class: 1-subclass-traversal
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
classes = ().__class__.__base__.__subclasses__()
result = [c for c in classes if 'wrap_close' in str(c)][0]
