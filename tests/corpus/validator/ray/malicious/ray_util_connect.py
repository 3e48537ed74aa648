# expect: safety.ray-client
# class: 8-escape-hatches
import ray
ds = ray.data.read_csv(inputs["sales"])
ray.util.connect("head:10001")
result = ds
