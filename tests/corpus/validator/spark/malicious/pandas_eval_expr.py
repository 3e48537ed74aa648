# expect: safety.forbidden-call
# class: 6-dynamic-code
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import pandas as pd
x = pd.eval("1 + 1")
result = df
