# expect: safety.resource-abuse
# class: 9-resource-abuse
import ray
ds = ray.data.read_csv(inputs["sales"])
x = 10**10**10
result = ds
