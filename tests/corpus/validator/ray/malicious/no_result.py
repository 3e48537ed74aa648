# expect: contract.result-not-bound
# class: contract
import ray
ds = ray.data.read_csv(inputs["sales"])
answer = ds.count()
