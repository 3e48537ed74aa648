# expect: safety.forbidden-import
# class: 5-indirect-import
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import dataclasses
x = dataclasses.sys.modules
result = df
