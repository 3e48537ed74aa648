# expect: safety.dynamic-attribute
# class: 4-computed-attributes
import ray
ds = ray.data.read_csv(inputs["sales"])
name = "_" * 2 + "class" + "_" * 2
x = getattr(ds, name)
result = ds
