# inputs: sales
import ray
ds = ray.data.read_csv(inputs["sales"])
result = ds.groupby("region").count().sort("count()", descending=True)
