# inputs: orders,returns
import ray
counts = {name: ray.data.read_csv(path).count() for name, path in sorted(inputs.items())}
result = ray.data.from_items([{"input": k, "rows": v} for k, v in counts.items()])
