# inputs: sales
import ray
ds = ray.data.read_csv(inputs["sales"])
result = ds.filter(lambda r: "import os" not in (r["note"] or "")).count()
