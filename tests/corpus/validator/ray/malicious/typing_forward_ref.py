# expect: safety.dynamic-code
# class: 6-dynamic-code
import ray
ds = ray.data.read_csv(inputs["sales"])
import typing
x = typing.ForwardRef("__import__('os')")
result = ds
