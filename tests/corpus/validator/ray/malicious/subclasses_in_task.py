# expect: safety.dunder-access
# class: 1-subclass-traversal
import ray
ds = ray.data.read_csv(inputs["sales"])
@ray.remote
def f():
    return [c for c in object.__subclasses__()]
result = ray.get(f.remote())
