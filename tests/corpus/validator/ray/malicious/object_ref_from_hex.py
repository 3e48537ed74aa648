# expect: safety.ray-api
# class: 8-escape-hatches
import ray
ds = ray.data.read_csv(inputs["sales"])
r = ray.ObjectRef(bytes.fromhex("00" * 28))
result = ds
