# expect: safety.dunder-access
# class: 2-function-internals
import ray
ds = ray.data.read_csv(inputs["sales"])
x = ds.count.__self__
result = ds
