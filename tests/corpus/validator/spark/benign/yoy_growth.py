# inputs: sales
from pyspark.sql import functions as F
from pyspark.sql.window import Window
sales = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
yearly = sales.groupBy(F.year("order_date").alias("year")).agg(F.sum("amount").alias("revenue"))
w = Window.orderBy("year")
result = yearly.withColumn("growth", (F.col("revenue") - F.lag("revenue").over(w)) / F.lag("revenue").over(w))
