# expect: safety.bidi-control
# class: 7-source-tricks
import ray
ds = ray.data.read_csv(inputs["sales"])
x = 1  # ⁧ tail
result = ds
