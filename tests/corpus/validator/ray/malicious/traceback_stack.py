# expect: safety.forbidden-import
# class: 3-frames
import ray
ds = ray.data.read_csv(inputs["sales"])
import traceback
x = traceback.extract_stack()
result = ds
