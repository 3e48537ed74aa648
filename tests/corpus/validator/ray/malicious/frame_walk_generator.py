# expect: safety.introspection
# class: 3-frames
import ray
ds = ray.data.read_csv(inputs["sales"])
def gen():
    yield 1
g = gen()
result = g.gi_frame.f_globals
