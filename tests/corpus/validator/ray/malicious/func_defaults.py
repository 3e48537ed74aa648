# expect: safety.dunder-access
# class: 2-function-internals
import ray
ds = ray.data.read_csv(inputs["sales"])
def g(a=1):
    return a
x = g.__defaults__
result = ds
