# expect: safety.ray-init-address
# class: 8-escape-hatches
import ray
ds = ray.data.read_csv(inputs["sales"])
ray.init(namespace="other")
result = ds
