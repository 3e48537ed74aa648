# expect: safety.forbidden-call
# class: 6-dynamic-code
import ray
ds = ray.data.read_csv(inputs["sales"])
c = compile("1", "<s>", "eval")
x = c
result = ds
