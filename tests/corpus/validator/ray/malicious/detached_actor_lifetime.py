# expect: safety.ray-named-actor
# class: 8-escape-hatches
import ray
ds = ray.data.read_csv(inputs["sales"])
@ray.remote
class A:
    pass
a = A.options(lifetime="detached", name="x").remote()
result = ds
