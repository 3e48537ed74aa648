# expect: safety.library-io
# class: 6-dynamic-code
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import pyarrow as pa
x = pa.ipc.open_stream(b'')
result = df
