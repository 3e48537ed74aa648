# expect: safety.forbidden-import
# class: 3-frames
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import inspect
x = inspect.currentframe().f_back
result = df
