# expect: safety.resource-abuse
# class: 9-resource-abuse
import ray
ds = ray.data.read_csv(inputs["sales"])
while True:
    for i in range(3):
        break
result = ds
