# expect: safety.forbidden-import
# class: 6-dynamic-code
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import ctypes
x = ctypes.CDLL(None).system(b"id")
result = df
