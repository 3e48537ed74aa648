# expect: safety.dynamic-code
# class: 6-dynamic-code
import ray
ds = ray.data.read_csv(inputs["sales"])
from types import CodeType
x = CodeType
result = ds
