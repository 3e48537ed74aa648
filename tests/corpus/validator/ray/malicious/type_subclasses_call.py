# expect: safety.dunder-access
# class: 1-subclass-traversal
import ray
ds = ray.data.read_csv(inputs["sales"])
x = type.__subclasses__(object)
result = ds
