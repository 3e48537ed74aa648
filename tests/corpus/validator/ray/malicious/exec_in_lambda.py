# expect: safety.forbidden-call
# class: 6-dynamic-code
import ray
ds = ray.data.read_csv(inputs["sales"])
f = lambda s: exec(s)
f("x = 1")
x = 1
result = ds
