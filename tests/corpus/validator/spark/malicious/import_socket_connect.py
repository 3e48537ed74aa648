# expect: safety.forbidden-import
# class: 11-forbidden-modules-builtins
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import socket
s = socket.create_connection(("169.254.169.254", 80))
result = df
