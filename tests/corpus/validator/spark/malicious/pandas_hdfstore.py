# expect: safety.library-io
# class: 11-forbidden-modules-builtins
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import pandas as pd
x = pd.HDFStore("x.h5")
result = df
