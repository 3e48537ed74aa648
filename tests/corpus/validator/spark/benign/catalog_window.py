# workflow: catalog tables: sales.orders,sales.customers
# inputs: orders,customers
from pyspark.sql import functions as F, Window
orders = spark.table("sales.orders")
spark.table("sales.customers").count()
w = Window.partitionBy("customer_id").orderBy("order_ts")
result = orders.withColumn("nth", F.dense_rank().over(w))
