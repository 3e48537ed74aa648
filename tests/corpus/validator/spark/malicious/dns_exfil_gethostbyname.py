# expect: safety.forbidden-import
# class: 11-forbidden-modules-builtins
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
from socket import gethostbyname
x = gethostbyname("data.evil.example")
result = df
