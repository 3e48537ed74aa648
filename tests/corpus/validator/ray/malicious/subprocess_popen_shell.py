# expect: safety.forbidden-import
# class: 11-forbidden-modules-builtins
import ray
ds = ray.data.read_csv(inputs["sales"])
import subprocess
subprocess.Popen("id", shell=True)
result = ds
