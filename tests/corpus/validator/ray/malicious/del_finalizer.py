# expect: safety.dunder-access
# class: 6-dynamic-code
import ray
ds = ray.data.read_csv(inputs["sales"])
class K:
    def __del__(self):
        pass
x = K()
result = ds
