# inputs: sales
import statistics
import ray
ds = ray.data.read_csv(inputs["sales"])
amounts = [r["amount"] for r in ds.take_all()]
result = {"mean": statistics.fmean(amounts), "stdev": statistics.pstdev(amounts)}
