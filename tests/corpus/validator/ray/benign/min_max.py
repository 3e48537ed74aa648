# inputs: sales
import ray

ds = ray.data.read_csv(inputs["sales"])
result = {"min": ds.min("amount"), "max": ds.max("amount")}
