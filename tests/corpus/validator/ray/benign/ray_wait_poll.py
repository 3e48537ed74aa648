# inputs: sales
import ray
ds = ray.data.read_csv(inputs["sales"])
@ray.remote
def total(rows):
    return sum(r["amount"] for r in rows)
refs = [total.remote(ds.take(100))]
done, pending = ray.wait(refs, num_returns=1, timeout=30)
result = {"total": ray.get(done[0]) if done else None}
