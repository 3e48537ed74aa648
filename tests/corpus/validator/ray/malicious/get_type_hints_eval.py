# expect: safety.dynamic-code
# class: 6-dynamic-code
import ray
ds = ray.data.read_csv(inputs["sales"])
import typing
def g(a: "int"):
    return a
x = typing.get_type_hints(g)
result = ds
