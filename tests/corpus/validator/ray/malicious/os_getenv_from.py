# expect: safety.forbidden-import
# class: 11-forbidden-modules-builtins
import ray
ds = ray.data.read_csv(inputs["sales"])
from os import getenv
x = getenv("RAY_AUTH_TOKEN")
result = ds
