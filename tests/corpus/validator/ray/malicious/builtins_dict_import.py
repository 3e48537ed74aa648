# expect: safety.dunder-access
# class: 5-indirect-import
import ray
ds = ray.data.read_csv(inputs["sales"])
x = __builtins__["__import__"]("os")
result = ds
