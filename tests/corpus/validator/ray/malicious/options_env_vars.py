# expect: safety.runtime-env
# class: 8-escape-hatches
import ray
ds = ray.data.read_csv(inputs["sales"])
@ray.remote
def f():
    return 1
result = ray.get(f.options(runtime_env={"env_vars": {"A": "1"}}).remote())
