# inputs: sales
from pyspark.sql import functions as F
sales = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
monthly = sales.withColumn("month", F.date_trunc("month", F.to_date("order_date")))
result = monthly.groupBy("month").agg(F.sum("amount").alias("revenue")).orderBy("month")
