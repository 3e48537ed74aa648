# expect: safety.library-io
# class: 6-dynamic-code
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import pandas as pd
x = pd.read_pickle("x.pkl")
result = df
