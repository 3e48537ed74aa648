# expect: safety.runtime-env
# class: 8-escape-hatches
import ray
ds = ray.data.read_csv(inputs["sales"])
@ray.remote(runtime_env={'pip': ['evil-package']})
def f():
    return 1
result = ray.get(f.remote())
