# expect: safety.forbidden-call
# class: 11-forbidden-modules-builtins
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
open("/tmp/owned", "w").write("x")
result = df
