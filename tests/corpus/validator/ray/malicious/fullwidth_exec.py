# expect: safety.non-ascii-identifier
# class: 7-source-tricks
import ray
ds = ray.data.read_csv(inputs["sales"])
ｅｘｅｃ("import os")
x = 1
result = ds
