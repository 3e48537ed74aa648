# expect: safety.forbidden-import
# class: 11-forbidden-modules-builtins
import ray
ds = ray.data.read_csv(inputs["sales"])
@ray.remote
def f():
    import subprocess
    return subprocess.check_output(["id"])
result = ray.get(f.remote())
