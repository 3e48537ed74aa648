# expect: safety.dunder-access
# class: 5-indirect-import
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = F.__loader__.load_module('os')
