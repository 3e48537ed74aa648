# expect: safety.forbidden-call
# class: 6-dynamic-code
import ray
ds = ray.data.read_csv(inputs["sales"])
e = eval
x = e("2")
result = ds
