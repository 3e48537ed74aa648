# expect: safety.dunder-access
# class: 1-subclass-traversal
import ray
ds = ray.data.read_csv(inputs["sales"])
x = "".__class__.__mro__[1].__subclasses__()
result = ds
