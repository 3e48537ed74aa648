# expect: safety.ray-named-actor
# class: 8-escape-hatches
import ray
ds = ray.data.read_csv(inputs["sales"])
@ray.remote
class Keeper:
    pass
k = Keeper.options(name='keeper', lifetime='detached').remote()
result = ds
