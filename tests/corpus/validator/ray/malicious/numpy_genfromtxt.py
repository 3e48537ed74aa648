# expect: safety.library-io
# class: 11-forbidden-modules-builtins
import ray
ds = ray.data.read_csv(inputs["sales"])
import numpy as np
x = np.genfromtxt("/etc/passwd")
result = ds
