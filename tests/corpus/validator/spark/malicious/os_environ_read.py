# expect: safety.forbidden-import
# class: 11-forbidden-modules-builtins
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import os
x = os.environ.get("AWS_SECRET_ACCESS_KEY")
result = df
