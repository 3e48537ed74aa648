# expect: safety.forbidden-import
# class: 5-indirect-import
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import builtins
x = builtins.__import__("os")
result = df
