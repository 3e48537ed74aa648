# expect: safety.forbidden-import
# class: 11-forbidden-modules-builtins
import ray
ds = ray.data.read_csv(inputs["sales"])
from concurrent.futures import ProcessPoolExecutor
x = ProcessPoolExecutor()
result = ds
