# expect: safety.runtime-env
# class: 8-escape-hatches
import ray
ds = ray.data.read_csv(inputs["sales"])
from ray.runtime_env import RuntimeEnv
result = ds
