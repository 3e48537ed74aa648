# expect: safety.forbidden-import
# class: 6-dynamic-code
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import base64
exec(base64.b64decode("aW1wb3J0IG9z"))
x = 1
result = df
