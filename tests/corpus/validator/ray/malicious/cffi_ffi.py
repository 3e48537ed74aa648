# expect: safety.forbidden-import
# class: 6-dynamic-code
import ray
ds = ray.data.read_csv(inputs["sales"])
from cffi import FFI
x = FFI()
result = ds
