# expect: safety.dunder-access
# class: 3-frames
import ray
ds = ray.data.read_csv(inputs["sales"])
try:
    1 / 0
except Exception as e:
    x = e.__traceback__.tb_frame.f_globals
result = ds
