# expect: safety.resource-abuse
# class: 9-resource-abuse
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import re
x = re.findall(r"(\w+\s?)*$", "x")
result = df
