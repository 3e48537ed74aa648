# expect: safety.forbidden-import
# class: 6-dynamic-code
import ray
ds = ray.data.read_csv(inputs["sales"])
import base64
exec(base64.b64decode("aW1wb3J0IG9z"))
x = 1
result = ds
