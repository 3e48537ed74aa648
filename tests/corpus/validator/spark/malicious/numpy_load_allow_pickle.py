# expect: safety.library-io
# class: 6-dynamic-code
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import numpy as np
x = np.load("x.npy", allow_pickle=True)
result = df
