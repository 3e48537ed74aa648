# expect: safety.forbidden-call
# class: 6-dynamic-code
import ray
ds = ray.data.read_csv(inputs["sales"])
x = eval("1 + 1")
result = ds
