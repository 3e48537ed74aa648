# expect: safety.forbidden-call
# class: 7-source-tricks
import ray
ds = ray.data.read_csv(inputs["sales"])
x = eval("\x5f\x5fimport\x5f\x5f('os')")
result = ds
