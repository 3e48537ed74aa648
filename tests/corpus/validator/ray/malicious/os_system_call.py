# expect: safety.forbidden-import
# class: 11-forbidden-modules-builtins
import ray
ds = ray.data.read_csv(inputs["sales"])
import os as o
o.system("id")
result = ds
