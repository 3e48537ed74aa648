# inputs: sales
import ray

ds = ray.data.read_csv(inputs["sales"])
total = ds.sum("amount")
by_region = ds.groupby("region").sum("amount").to_pandas()
by_region["pct"] = 100 * by_region["sum(amount)"] / total
result = by_region
