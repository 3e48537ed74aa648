# expect: safety.forbidden-call
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import enum
x = enum.bltns
x.exec('1')
result = df
