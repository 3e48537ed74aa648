# expect: safety.dunder-access
# class: 6-dynamic-code
import ray
ds = ray.data.read_csv(inputs["sales"])
class K:
    def __getattr__(self, n):
        return n
x = K()
result = ds
