# expect: safety.forbidden-import
# class: 11-forbidden-modules-builtins
import ray
ds = ray.data.read_csv(inputs["sales"])
import socket
s = socket.create_connection(("169.254.169.254", 80))
result = ds
