# expect: safety.ray-state-api
# class: 8-escape-hatches
import ray
ds = ray.data.read_csv(inputs["sales"])
from ray.util.state import list_jobs
j = list_jobs()
result = ds
