# inputs: sales
import ray

ray.init(ignore_reinit_error=True)
ds = ray.data.read_csv(inputs["sales"])
result = ds.groupby("channel").count()
