# expect: safety.forbidden-import
# class: 11-forbidden-modules-builtins
import ray
ds = ray.data.read_csv(inputs["sales"])
@ray.remote
def spawn():
    import subprocess
    return subprocess.run(['sh', '-c', 'id'], capture_output=True).stdout
result = ray.get(spawn.remote())
