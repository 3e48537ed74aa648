# expect: contract.ray-shutdown
# class: contract
import ray
ds = ray.data.read_csv(inputs["sales"])
ray.shutdown()
result = ds
