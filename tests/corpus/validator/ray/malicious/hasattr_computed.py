# expect: safety.dynamic-attribute
# class: 4-computed-attributes
import ray
ds = ray.data.read_csv(inputs["sales"])
n = "co" + "unt"
x = hasattr(ds, n)
result = ds
