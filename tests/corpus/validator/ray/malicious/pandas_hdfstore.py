# expect: safety.library-io
# class: 11-forbidden-modules-builtins
import ray
ds = ray.data.read_csv(inputs["sales"])
import pandas as pd
x = pd.HDFStore("x.h5")
result = ds
