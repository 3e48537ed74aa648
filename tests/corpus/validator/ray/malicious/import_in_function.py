# expect: safety.forbidden-import
# class: 5-indirect-import
import ray
ds = ray.data.read_csv(inputs["sales"])
def helper():
    import os
    return os.listdir('.')
x = helper()
result = ds
