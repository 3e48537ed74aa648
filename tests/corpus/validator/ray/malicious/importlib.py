# expect: safety.forbidden-import
# class: 8-escape-hatches
import ray
ds = ray.data.read_csv(inputs["sales"])
import importlib
result = importlib.import_module('os')
