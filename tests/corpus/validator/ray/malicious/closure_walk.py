# expect: safety.dunder-access
# class: 8-escape-hatches
import ray
ds = ray.data.read_csv(inputs["sales"])
def outer():
    s = 1
    return lambda: s
result = outer().__closure__
