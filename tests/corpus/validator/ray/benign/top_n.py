# inputs: sales
import ray

ds = ray.data.read_csv(inputs["sales"])
result = ds.sort("amount", descending=True).limit(10).to_pandas()
