# inputs: sales,customers
import ray

counts = {}
for name, path in inputs.items():
    counts[name] = ray.data.read_csv(path).count()
result = counts
