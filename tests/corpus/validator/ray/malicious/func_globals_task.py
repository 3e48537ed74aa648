# expect: safety.dunder-access
# class: 8-escape-hatches
import ray
ds = ray.data.read_csv(inputs["sales"])
@ray.remote
def f():
    return 1
result = f.__globals__
