# expect: safety.dynamic-code
# class: 6-dynamic-code
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import dataclasses
K = dataclasses.make_dataclass("K", ["a"])
x = K
result = df
