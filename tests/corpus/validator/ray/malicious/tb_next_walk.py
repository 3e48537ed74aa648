# expect: safety.introspection
# class: 3-frames
import ray
ds = ray.data.read_csv(inputs["sales"])
try:
    1 / 0
except Exception as e:
    t = e.args
    x = t.tb_next
result = ds
