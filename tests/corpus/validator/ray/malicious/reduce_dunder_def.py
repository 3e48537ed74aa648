# expect: safety.dunder-access
# class: 6-dynamic-code
import ray
ds = ray.data.read_csv(inputs["sales"])
class K:
    def __reduce__(self):
        return (print, ('x',))
x = K
result = ds
