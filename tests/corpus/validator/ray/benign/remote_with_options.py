# inputs: sales
import ray


@ray.remote(num_cpus=1, max_retries=2)
def total(rows):
    return sum(r['amount'] for r in rows)


ds = ray.data.read_csv(inputs['sales'])
result = ray.get(total.options(num_cpus=1).remote(ds.take(1000)))
