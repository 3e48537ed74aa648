# expect: safety.dynamic-attribute
# class: 4-computed-attributes
import ray
ds = ray.data.read_csv(inputs["sales"])
x = getattr(ds, chr(95) * 2 + "class" + chr(95) * 2)
result = ds
