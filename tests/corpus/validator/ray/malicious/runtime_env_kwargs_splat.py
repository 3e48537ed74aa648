# expect: safety.runtime-env
# class: 8-escape-hatches
import ray
ds = ray.data.read_csv(inputs["sales"])
opts = dict(num_cpus=1)
@ray.remote
def f():
    return 1
result = ray.get(f.options(**opts).remote())
