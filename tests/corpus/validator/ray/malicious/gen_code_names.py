# expect: safety.introspection
# class: 3-frames
import ray
ds = ray.data.read_csv(inputs["sales"])
x = (i for i in []).gi_code.co_names
result = ds
