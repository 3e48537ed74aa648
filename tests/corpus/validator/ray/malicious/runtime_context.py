# expect: safety.ray-runtime-context
# class: 8-escape-hatches
import ray
ds = ray.data.read_csv(inputs["sales"])
ctx = ray.get_runtime_context()
result = ctx.get_job_id()
