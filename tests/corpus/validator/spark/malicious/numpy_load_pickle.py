# expect: safety.library-io
# class: 6-dynamic-code
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import numpy as np
arr = np.load(inputs['sales'], allow_pickle=True)
result = df
