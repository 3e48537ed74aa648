# expect: safety.forbidden-import
# class: 3-frames
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import traceback
x = traceback.extract_stack()
result = df
