# expect: safety.library-io
# class: 11-forbidden-modules-builtins
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import numpy as np
x = np.ma.mrecords.fromtextfile("passwd")
result = df
