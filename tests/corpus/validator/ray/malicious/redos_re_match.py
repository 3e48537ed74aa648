# expect: safety.resource-abuse
# class: 9-resource-abuse
import ray
ds = ray.data.read_csv(inputs["sales"])
import re
x = re.match("(a+)+$", "a" * 40 + "b")
result = ds
