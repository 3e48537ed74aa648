# expect: safety.library-io
# class: 11-forbidden-modules-builtins
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import pyarrow as pa
x = pa.fs.LocalFileSystem().get_file_info('/')
result = df
