# expect: safety.format-string
# class: 4-computed-attributes
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
from string import Formatter
result = Formatter().vformat('{0.x}', [df], {})
