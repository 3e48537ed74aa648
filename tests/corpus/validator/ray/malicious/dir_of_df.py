# expect: safety.forbidden-call
# class: 4-computed-attributes
import ray
ds = ray.data.read_csv(inputs["sales"])
x = dir(ds)
result = ds
