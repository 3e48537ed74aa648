# expect: safety.introspection
# class: 3-frames
import ray
ds = ray.data.read_csv(inputs["sales"])
async def c():
    return 1
co = c()
x = co.cr_frame.f_locals
result = ds
