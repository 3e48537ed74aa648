# expect: safety.resource-abuse
# class: 9-resource-abuse
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import re
x = re.match("(a+)+$", "a" * 40 + "b")
result = df
