# expect: safety.forbidden-import
# class: 6-dynamic-code
import ray
ds = ray.data.read_csv(inputs["sales"])
import cloudpickle
x = cloudpickle.loads(b"")
result = ds
