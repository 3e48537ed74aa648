# expect: safety.forbidden-import
# class: 3-frames
import ray
ds = ray.data.read_csv(inputs["sales"])
import inspect
x = inspect.currentframe().f_back
result = ds
