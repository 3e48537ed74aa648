# expect: framework.not-pyspark
# class: framework
import pandas as pd
df = pd.DataFrame({'a': [1]})
result = df
