# expect: safety.forbidden-import
# class: 11-forbidden-modules-builtins
import ray
ds = ray.data.read_csv(inputs["sales"])
from socket import gethostbyname
x = gethostbyname("data.evil.example")
result = ds
