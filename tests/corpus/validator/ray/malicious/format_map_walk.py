# expect: safety.format-string
# class: 4-computed-attributes
import ray
ds = ray.data.read_csv(inputs["sales"])
x = "{d.columns}".format_map({"d": ds})
result = ds
