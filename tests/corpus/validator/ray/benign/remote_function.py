# inputs: sales
import ray

ds = ray.data.read_csv(inputs["sales"])


@ray.remote
def summarize(rows):
    return sum(r["amount"] for r in rows)


rows = ds.take_all()
chunks = [rows[i:i + 1000] for i in range(0, len(rows), 1000)]
result = sum(ray.get([summarize.remote(c) for c in chunks]))
