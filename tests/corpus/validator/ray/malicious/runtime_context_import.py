# expect: safety.ray-runtime-context
# class: 8-escape-hatches
import ray
ds = ray.data.read_csv(inputs["sales"])
from ray import get_runtime_context
result = get_runtime_context().namespace
