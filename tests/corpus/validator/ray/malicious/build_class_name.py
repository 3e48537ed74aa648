# expect: safety.dunder-access
# class: 6-dynamic-code
import ray
ds = ray.data.read_csv(inputs["sales"])
x = __build_class__
result = ds
