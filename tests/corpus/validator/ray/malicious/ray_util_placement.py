# expect: safety.ray-api
# class: 8-escape-hatches
import ray
ds = ray.data.read_csv(inputs["sales"])
from ray.util.placement_group import placement_group
result = ds
