# expect: safety.ray-init-address
# class: 8-escape-hatches
import ray
ds = ray.data.read_csv(inputs["sales"])
ray.init("ray://head:10001")
result = ds
