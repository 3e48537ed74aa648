# inputs: sales
import ray
from ray.data.aggregate import Sum, Count, Mean

ds = ray.data.read_csv(inputs["sales"])
result = ds.groupby("region").aggregate(Sum("amount"), Count(), Mean("amount"))
