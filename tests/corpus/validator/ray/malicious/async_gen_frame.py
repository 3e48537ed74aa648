# expect: safety.introspection
# class: 3-frames
import ray
ds = ray.data.read_csv(inputs["sales"])
async def ag():
    yield 1
x = ag().ag_frame
result = ds
