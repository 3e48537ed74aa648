# expect: safety.ray-api
# class: 8-escape-hatches
import ray
ds = ray.data.read_csv(inputs["sales"])
w = ray.worker
result = ds
