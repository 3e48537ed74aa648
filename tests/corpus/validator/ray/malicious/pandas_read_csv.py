# expect: safety.library-io
# class: 11-forbidden-modules-builtins
import ray
ds = ray.data.read_csv(inputs["sales"])
import pandas as pd
extra = pd.read_csv(inputs['sales'])
result = ds
