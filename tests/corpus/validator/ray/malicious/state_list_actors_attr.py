# expect: safety.ray-state-api
# class: 8-escape-hatches
import ray
ds = ray.data.read_csv(inputs["sales"])
a = ray.util.state.list_actors()
result = ds
