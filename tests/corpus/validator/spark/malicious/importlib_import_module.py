# expect: safety.forbidden-import
# class: 5-indirect-import
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import importlib
x = importlib.import_module("o" + "s")
result = df
