# expect: safety.dynamic-attribute
# class: 4-computed-attributes
import ray
ds = ray.data.read_csv(inputs["sales"])
import functools
x = functools.reduce(getattr, ["__class__", "__base__"], ds)
result = ds
