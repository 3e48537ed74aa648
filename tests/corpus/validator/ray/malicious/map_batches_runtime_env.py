# expect: safety.runtime-env
# class: 8-escape-hatches
import ray
ds = ray.data.read_csv(inputs["sales"])
result = ds.map_batches(lambda b: b, runtime_env={"pip": ["x"]})
