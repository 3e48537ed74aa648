# workflow: none
from pyspark.sql import functions as F
df = spark.range(1, 101)
result = df.agg(F.sum("id")).collect()[0][0]
