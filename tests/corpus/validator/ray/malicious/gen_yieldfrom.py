# expect: safety.introspection
# class: 3-frames
import ray
ds = ray.data.read_csv(inputs["sales"])
def g():
    yield from [1]
x = g().gi_yieldfrom
result = ds
