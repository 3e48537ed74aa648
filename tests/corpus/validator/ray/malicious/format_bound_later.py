# expect: safety.format-string
# class: 4-computed-attributes
import ray
ds = ray.data.read_csv(inputs["sales"])
fmt = "{0.sparkSession.version}".format
x = fmt(ds)
result = ds
