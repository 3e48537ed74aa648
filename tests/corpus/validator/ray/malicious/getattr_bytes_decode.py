# expect: safety.dynamic-attribute
# class: 4-computed-attributes
import ray
ds = ray.data.read_csv(inputs["sales"])
x = getattr(ds, b"\x5f\x5fclass\x5f\x5f".decode())
result = ds
