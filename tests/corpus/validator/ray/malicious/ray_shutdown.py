# expect: contract.ray-shutdown
# class: 8-escape-hatches
import ray
ds = ray.data.read_csv(inputs["sales"])
result = ds.count()
ray.shutdown()
