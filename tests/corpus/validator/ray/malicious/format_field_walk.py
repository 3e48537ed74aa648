# expect: safety.format-string
# class: 4-computed-attributes
import ray
ds = ray.data.read_csv(inputs["sales"])
x = "{0.columns.__class__}".format(ds)
result = ds
