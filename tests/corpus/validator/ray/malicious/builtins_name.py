# expect: safety.dunder-access
# class: 8-escape-hatches
import ray
ds = ray.data.read_csv(inputs["sales"])
result = __builtins__
