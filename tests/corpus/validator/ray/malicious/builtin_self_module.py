# expect: safety.dunder-access
# class: 2-function-internals
import ray
ds = ray.data.read_csv(inputs["sales"])
b = print.__self__
x = b.open
result = ds
