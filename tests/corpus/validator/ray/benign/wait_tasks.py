# inputs: sales
import ray

ds = ray.data.read_csv(inputs["sales"])


@ray.remote(num_cpus=1)
def square(x):
    return x * x


refs = [square.remote(i) for i in range(10)]
ready, _ = ray.wait(refs, num_returns=len(refs))
result = sorted(ray.get(ready)) + [ds.count()]
