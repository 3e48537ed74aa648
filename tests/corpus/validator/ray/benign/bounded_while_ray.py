# inputs: sales
import ray
ds = ray.data.read_csv(inputs["sales"])
n = ds.count()
buckets = 1
while True:
    if buckets * 1000 >= n:
        break
    buckets += 1
result = {"buckets": buckets, "rows": n}
