# expect: safety.library-io
# class: 6-dynamic-code
import ray
ds = ray.data.read_csv(inputs["sales"])
import pandas as pd
x = pd.read_pickle("x.pkl")
result = ds
