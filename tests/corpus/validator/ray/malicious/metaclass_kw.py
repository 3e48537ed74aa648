# expect: safety.dynamic-code
# class: 6-dynamic-code
import ray
ds = ray.data.read_csv(inputs["sales"])
class M(type):
    pass
class K(metaclass=M):
    pass
x = K
result = ds
