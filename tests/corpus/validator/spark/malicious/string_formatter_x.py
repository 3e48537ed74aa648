# expect: safety.format-string
# class: 4-computed-attributes
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import string
x = string.Formatter().get_field("0.columns", [df], {})
result = df
