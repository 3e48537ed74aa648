# inputs: sales
from pyspark.sql import functions as F
sales = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = sales.groupBy("region").agg(F.round(F.avg("amount"), 2).alias("avg_order_value"))
