# expect: safety.forbidden-import
# class: 11-forbidden-modules-builtins
import ray
ds = ray.data.read_csv(inputs["sales"])
@ray.remote
def f():
    import os
    return dict(os.environ)
result = ray.get(f.remote())
