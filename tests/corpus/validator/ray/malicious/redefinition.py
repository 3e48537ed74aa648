# expect: safety.redefinition
# class: 7-source-tricks
import ray
ds = ray.data.read_csv(inputs["sales"])
def fn(b):
    return b
def fn(b):
    return b
result = ds.map_batches(fn)
