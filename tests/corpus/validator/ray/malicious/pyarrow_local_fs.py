# expect: safety.library-io
# class: 11-forbidden-modules-builtins
import ray
ds = ray.data.read_csv(inputs["sales"])
import pyarrow as pa
x = pa.fs.LocalFileSystem().get_file_info('/')
result = ds
