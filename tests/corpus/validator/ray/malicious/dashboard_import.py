# expect: safety.ray-jobs-api
# class: 8-escape-hatches
import ray
ds = ray.data.read_csv(inputs["sales"])
import ray.dashboard
result = ds
