# expect: safety.forbidden-call
# class: 11-forbidden-modules-builtins
import ray
ds = ray.data.read_csv(inputs["sales"])
result = ds.map_batches(lambda b: open("/etc/passwd").read())
