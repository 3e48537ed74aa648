# expect: safety.dunder-access
# class: 1-subclass-traversal
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
x = [c for c in [].__class__.__base__.__subclasses__() if c.__name__ == "Popen"]
result = df
