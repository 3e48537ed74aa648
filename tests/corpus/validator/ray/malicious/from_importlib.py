# expect: safety.forbidden-import
# class: 5-indirect-import
import ray
ds = ray.data.read_csv(inputs["sales"])
from importlib import import_module
x = import_module("subprocess")
result = ds
