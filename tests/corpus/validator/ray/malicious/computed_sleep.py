# expect: safety.resource-abuse
# class: 9-resource-abuse
import ray
ds = ray.data.read_csv(inputs["sales"])
import time
d = 10
time.sleep(d * 1000)
result = ds
