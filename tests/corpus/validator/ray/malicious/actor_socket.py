# expect: safety.forbidden-import
# class: 11-forbidden-modules-builtins
import ray
ds = ray.data.read_csv(inputs["sales"])
@ray.remote
class A:
    def go(self):
        import socket
        return socket.gethostname()
result = ds
