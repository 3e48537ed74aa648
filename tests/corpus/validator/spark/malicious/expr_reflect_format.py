# expect: safety.sql-reflection
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
from pyspark.sql import functions as F
result = df.select(F.expr("{}flect(1)".format("re")))
