# inputs: sales
from pyspark.sql import functions as F
sales = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = sales.filter(F.col("amount") > 1000).select("order_id", "customer_id", "amount")
