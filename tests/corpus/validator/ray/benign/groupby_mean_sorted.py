# inputs: sales
import ray

ds = ray.data.read_csv(inputs["sales"])
result = ds.groupby("region").mean("amount").sort("mean(amount)", descending=True)
