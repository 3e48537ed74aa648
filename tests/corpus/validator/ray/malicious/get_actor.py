# expect: safety.ray-named-actor
# class: 8-escape-hatches
import ray
ds = ray.data.read_csv(inputs["sales"])
other = ray.get_actor('billing', namespace='tenant-b')
result = ds
