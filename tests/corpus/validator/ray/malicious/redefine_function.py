# expect: safety.redefinition
# class: 7-source-tricks
import ray
ds = ray.data.read_csv(inputs["sales"])
def clean(v):
    return v
def clean(v):
    return None
x = clean(1)
result = ds
