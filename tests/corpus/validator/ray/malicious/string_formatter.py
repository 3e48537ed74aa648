# expect: safety.format-string
# class: 4-computed-attributes
import ray
ds = ray.data.read_csv(inputs["sales"])
import string
x = string.Formatter().get_field("0.columns", [ds], {})
result = ds
