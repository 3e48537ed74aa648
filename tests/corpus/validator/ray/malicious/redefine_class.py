# expect: safety.redefinition
# class: 7-source-tricks
import ray
ds = ray.data.read_csv(inputs["sales"])
class A:
    pass
class A:
    pass
x = A
result = ds
