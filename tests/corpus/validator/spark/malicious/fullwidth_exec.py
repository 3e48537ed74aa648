# expect: safety.non-ascii-identifier
# class: 7-source-tricks
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
ｅｘｅｃ("import os")
x = 1
result = df
