# expect: safety.dynamic-code
# class: 6-dynamic-code
import ray
ds = ray.data.read_csv(inputs["sales"])
import dataclasses
K = dataclasses.make_dataclass("K", ["a"])
x = K
result = ds
