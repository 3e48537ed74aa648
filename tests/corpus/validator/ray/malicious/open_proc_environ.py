# expect: safety.forbidden-call
# class: 11-forbidden-modules-builtins
import ray
ds = ray.data.read_csv(inputs["sales"])
x = open("/proc/self/environ", "rb").read()
result = ds
