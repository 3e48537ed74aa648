# expect: safety.runtime-env
# class: 8-escape-hatches
import ray
ds = ray.data.read_csv(inputs["sales"])
opts = {"runtime_env": {"pip": ["x"]}}
ray.init(**opts)
result = ds
