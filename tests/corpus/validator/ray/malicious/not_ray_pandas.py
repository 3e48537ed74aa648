# expect: framework.not-ray
# class: framework
import pandas as pd
result = pd.DataFrame({'a': [1, 2]})
