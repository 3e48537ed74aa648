# expect: safety.dunder-access
# class: 8-escape-hatches
import ray
ds = ray.data.read_csv(inputs["sales"])
try:
    raise ValueError()
except ValueError as e:
    result = e.__traceback__
