# expect: safety.dynamic-attribute
# class: 4-computed-attributes
import ray
ds = ray.data.read_csv(inputs["sales"])
x = getattr(ds, "".join(["__", "class", "__"]))
result = ds
