# expect: safety.forbidden-call
# class: 6-dynamic-code
import ray
ds = ray.data.read_csv(inputs["sales"])
def g(a=exec("y = 1")):
    return a
x = g()
result = ds
