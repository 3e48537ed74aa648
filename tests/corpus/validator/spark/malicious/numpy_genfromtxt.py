# expect: safety.library-io
# class: 11-forbidden-modules-builtins
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import numpy as np
x = np.genfromtxt("/etc/passwd")
result = df
