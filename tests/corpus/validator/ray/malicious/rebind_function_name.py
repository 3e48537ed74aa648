# expect: safety.redefinition
# class: 7-source-tricks
import ray
ds = ray.data.read_csv(inputs["sales"])
def clean(v):
    return v
clean = print
x = clean
result = ds
