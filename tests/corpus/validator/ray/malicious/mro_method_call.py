# expect: safety.introspection
# class: 1-subclass-traversal
import ray
ds = ray.data.read_csv(inputs["sales"])
x = type(ds).mro()[-1]
result = ds
