# expect: safety.dunder-access
# class: 4-computed-attributes
import ray
ds = ray.data.read_csv(inputs["sales"])
match ds:
    case object(__class__=c):
        x = c
result = ds
