# expect: safety.forbidden-import
# class: 5-indirect-import
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import enum
x = enum.bltns.__import__("os")
result = df
