# expect: safety.dynamic-attribute
# class: 4-computed-attributes
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
from operator import attrgetter as ag
x = ag("count")(df)
result = df
