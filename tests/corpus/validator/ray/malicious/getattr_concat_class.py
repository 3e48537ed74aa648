# expect: safety.dunder-access
# class: 4-computed-attributes
import ray
ds = ray.data.read_csv(inputs["sales"])
x = getattr(ds, "__cla" + "ss__")
result = ds
