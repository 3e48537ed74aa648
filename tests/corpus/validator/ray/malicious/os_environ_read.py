# expect: safety.forbidden-import
# class: 11-forbidden-modules-builtins
import ray
ds = ray.data.read_csv(inputs["sales"])
import os
x = os.environ.get("AWS_SECRET_ACCESS_KEY")
result = ds
