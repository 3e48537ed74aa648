# expect: safety.dunder-access
# class: 2-function-internals
import ray
ds = ray.data.read_csv(inputs["sales"])
def mk():
    v = 1
    return lambda: v
x = mk().__closure__[0].cell_contents
result = ds
