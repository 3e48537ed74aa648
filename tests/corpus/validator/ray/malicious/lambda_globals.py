# expect: safety.dunder-access
# class: 2-function-internals
import ray
ds = ray.data.read_csv(inputs["sales"])
f = lambda: 0
x = f.__globals__
result = ds
