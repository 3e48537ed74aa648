# expect: safety.forbidden-import
# class: 5-indirect-import
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import importlib.util
x = importlib.util.find_spec("os")
result = df
