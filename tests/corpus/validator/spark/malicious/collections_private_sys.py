# expect: safety.private-attribute
# class: 5-indirect-import
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import collections
x = collections._sys.modules
result = df
