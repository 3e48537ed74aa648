# expect: safety.ray-runtime-context
# class: 8-escape-hatches
import ray
ds = ray.data.read_csv(inputs["sales"])
j = ray.get_runtime_context().get_job_id()
result = ds
