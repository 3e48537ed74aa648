# expect: safety.dunder-access
# class: 2-function-internals
import ray
ds = ray.data.read_csv(inputs["sales"])
import functools
x = functools.partial(print).func.__wrapped__
result = ds
