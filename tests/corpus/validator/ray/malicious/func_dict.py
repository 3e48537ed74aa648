# expect: safety.dunder-access
# class: 2-function-internals
import ray
ds = ray.data.read_csv(inputs["sales"])
def g():
    return 1
x = g.__dict__
result = ds
