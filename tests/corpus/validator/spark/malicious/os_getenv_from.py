# expect: safety.forbidden-import
# class: 11-forbidden-modules-builtins
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
from os import getenv
x = getenv("RAY_AUTH_TOKEN")
result = df
