# inputs: sales
from pyspark.sql import functions as F
sales = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
metric = "amount"
result = sales.groupBy("region").agg(F.expr(f"percentile_approx({metric}, 0.5)").alias("median_amount"))
