# expect: safety.forbidden-import
# class: 5-indirect-import
import ray
ds = ray.data.read_csv(inputs["sales"])
import runpy
x = runpy.run_module("os")
result = ds
