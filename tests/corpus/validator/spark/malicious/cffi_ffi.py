# expect: safety.forbidden-import
# class: 6-dynamic-code
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
from cffi import FFI
x = FFI()
result = df
