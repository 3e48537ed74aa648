# expect: safety.dunder-access
# class: 4-computed-attributes
import ray
ds = ray.data.read_csv(inputs["sales"])
x = f"{ds.__class__.__mro__}"
result = ds
