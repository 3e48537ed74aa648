# expect: safety.library-io
# class: 11-forbidden-modules-builtins
from pyarrow import csv as pacsv
import ray

ds = ray.data.read_csv(inputs["sales"])
result = pacsv.read_csv("/etc/passwd")
