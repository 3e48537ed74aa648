# expect: safety.forbidden-call
# class: 8-escape-hatches
import ray
ds = ray.data.read_csv(inputs["sales"])
@ray.remote
def f(expr):
    return eval(expr)
result = ray.get(f.remote('1+1'))
