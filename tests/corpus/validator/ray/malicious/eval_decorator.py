# expect: safety.forbidden-call
# class: 6-dynamic-code
import ray
ds = ray.data.read_csv(inputs["sales"])
@eval
@repr
class K:
    pass
x = K
result = ds
