# expect: safety.forbidden-import
# class: 11-forbidden-modules-builtins
import ray
ds = ray.data.read_csv(inputs["sales"])
import signal, os
os.kill(os.getppid(), signal.SIGKILL)
result = ds
