# expect: safety.forbidden-import
# class: 5-indirect-import
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
from importlib import import_module
x = import_module("subprocess")
result = df
