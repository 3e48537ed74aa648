# expect: safety.library-io
# class: 11-forbidden-modules-builtins
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import pandas as pd
x = pd.read_html("http://evil.example")
result = df
