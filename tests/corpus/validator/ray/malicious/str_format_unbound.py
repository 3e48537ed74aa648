# expect: safety.format-string
# class: 4-computed-attributes
import ray
ds = ray.data.read_csv(inputs["sales"])
f = str.format
x = f("{0.columns}", ds)
result = ds
