# expect: safety.forbidden-import
# class: 5-indirect-import
import ray
ds = ray.data.read_csv(inputs["sales"])
import enum
x = enum.bltns.__import__("os")
result = ds
