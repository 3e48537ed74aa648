# expect: safety.resource-abuse
# class: 9-resource-abuse
import ray
ds = ray.data.read_csv(inputs["sales"])
n = 0
while 1:
    n += 1
result = ds
