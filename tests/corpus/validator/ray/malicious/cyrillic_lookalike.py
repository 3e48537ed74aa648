# expect: safety.non-ascii-identifier
# class: 7-source-tricks
import ray
ds = ray.data.read_csv(inputs["sales"])
аpple = 1
x = аpple
result = ds
