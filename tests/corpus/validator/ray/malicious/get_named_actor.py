# expect: safety.ray-named-actor
# class: 8-escape-hatches
import ray
ds = ray.data.read_csv(inputs["sales"])
a = ray.get_actor("other-session-actor")
result = ds
