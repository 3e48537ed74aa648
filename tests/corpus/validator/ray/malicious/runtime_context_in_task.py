# expect: safety.ray-runtime-context
# class: 8-escape-hatches
import ray
ds = ray.data.read_csv(inputs["sales"])
@ray.remote
def f():
    return ray.get_runtime_context().gcs_address
result = ray.get(f.remote())
