# expect: safety.dunder-access
# class: 1-subclass-traversal
import ray
ds = ray.data.read_csv(inputs["sales"])
x = (1).__class__.__base__.__subclasses__()
result = ds
