# inputs: sales
from pyspark.sql import functions as F
sales = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = sales.withColumn("days_to_ship", F.datediff(F.col("ship_date"), F.col("order_date"))).agg(F.avg("days_to_ship"))
