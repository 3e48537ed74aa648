# expect: safety.library-io
# class: 6-dynamic-code
import ray
ds = ray.data.read_csv(inputs["sales"])
import numpy as np
x = np.load("x.npy", allow_pickle=True)
result = ds
