# expect: safety.library-io
# class: 6-dynamic-code
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import pandas as pd
extra = pd.read_pickle(inputs['sales'])
result = df
