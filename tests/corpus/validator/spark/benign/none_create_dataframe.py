# workflow: none
from pyspark.sql import Row
rows = [Row(month=m, days=d) for m, d in [("Jan", 31), ("Feb", 28), ("Mar", 31)]]
result = spark.createDataFrame(rows).orderBy("days")
