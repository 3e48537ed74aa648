# expect: safety.ray-api
# class: 8-escape-hatches
import ray
ds = ray.data.read_csv(inputs["sales"])
ref = ray.ObjectRef(b'\x00' * 28)
result = ray.get(ref)
