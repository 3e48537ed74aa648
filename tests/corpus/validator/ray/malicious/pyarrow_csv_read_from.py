# expect: safety.library-io
# class: 11-forbidden-modules-builtins
from pyarrow.csv import open_csv
import ray

ds = ray.data.read_csv(inputs["sales"])
result = open_csv(inputs["sales"]).read_all()
