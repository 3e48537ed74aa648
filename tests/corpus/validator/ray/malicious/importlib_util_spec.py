# expect: safety.forbidden-import
# class: 5-indirect-import
import ray
ds = ray.data.read_csv(inputs["sales"])
import importlib.util
x = importlib.util.find_spec("os")
result = ds
