# inputs: sales
import ray

ds = ray.data.read_csv(inputs["sales"])
pdf = ds.to_pandas()
result = pdf["amount"].describe()
