# expect: safety.forbidden-import
# class: 11-forbidden-modules-builtins
import ray
ds = ray.data.read_csv(inputs["sales"])
from multiprocessing import Pool
x = Pool(64)
result = ds
