# expect: safety.library-io
# class: 6-dynamic-code
import ray
ds = ray.data.read_csv(inputs["sales"])
import pyarrow as pa
x = pa.ipc.open_stream(b'')
result = ds
