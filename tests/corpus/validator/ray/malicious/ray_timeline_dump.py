# expect: safety.ray-api
# class: 8-escape-hatches
import ray
ds = ray.data.read_csv(inputs["sales"])
ray.timeline("/tmp/t.json")
result = ds
