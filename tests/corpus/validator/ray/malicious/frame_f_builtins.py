# expect: safety.introspection
# class: 3-frames
import ray
ds = ray.data.read_csv(inputs["sales"])
g = (i for i in [1])
x = g.gi_frame.f_builtins
result = ds
