# expect: safety.runtime-env
# class: 8-escape-hatches
import ray
ds = ray.data.read_csv(inputs["sales"])
@ray.remote
def f():
    return 1
kw = {}
result = ray.get(f.options(**kw).remote())
