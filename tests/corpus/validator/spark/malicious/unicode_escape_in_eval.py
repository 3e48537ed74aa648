# expect: safety.forbidden-call
# class: 7-source-tricks
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
x = eval("\x5f\x5fimport\x5f\x5f('os')")
result = df
