# expect: safety.dunder-access
# class: 2-function-internals
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = F.col.__self__
