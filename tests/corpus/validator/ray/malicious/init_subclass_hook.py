# expect: safety.dunder-access
# class: 6-dynamic-code
import ray
ds = ray.data.read_csv(inputs["sales"])
class K:
    def __init_subclass__(cls):
        pass
x = K
result = ds
