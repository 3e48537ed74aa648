# inputs: sales
import ray

ds = ray.data.read_csv(inputs["sales"])
result = ds.filter(lambda row: row["amount"] > 1000).take_all()
