# inputs: sales
from pyspark.sql import functions as F
from pyspark.sql.window import Window
sales = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
by_region = sales.groupBy("region").agg(F.sum("amount").alias("revenue"))
total = Window.partitionBy()
result = by_region.withColumn("pct", F.round(100 * F.col("revenue") / F.sum("revenue").over(total), 2))
