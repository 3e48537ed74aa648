# expect: safety.dunder-access
# class: 1-subclass-traversal
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
w = [c for c in ().__class__.__base__.__subclasses__() if c.__name__ == "catch_warnings"][0]
x = w()._module.__builtins__
result = df
