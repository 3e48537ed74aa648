# expect: safety.ray-client
# class: 8-escape-hatches
import ray
ds = ray.data.read_csv(inputs["sales"])
from ray.util.client import ray as rc
result = ds
