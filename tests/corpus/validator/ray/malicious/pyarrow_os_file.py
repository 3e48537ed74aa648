# expect: safety.library-io
# class: 11-forbidden-modules-builtins
import ray
ds = ray.data.read_csv(inputs["sales"])
import pyarrow as pa
x = pa.OSFile('passwd').read()
result = ds
