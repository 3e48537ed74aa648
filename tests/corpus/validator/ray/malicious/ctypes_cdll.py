# expect: safety.forbidden-import
# class: 6-dynamic-code
import ray
ds = ray.data.read_csv(inputs["sales"])
import ctypes
x = ctypes.CDLL(None).system(b"id")
result = ds
