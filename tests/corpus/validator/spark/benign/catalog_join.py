# workflow: catalog tables: sales.orders,sales.customers
# inputs: orders,customers
from pyspark.sql import functions as F
orders = spark.table("sales.orders")
customers = spark.table("sales.customers")
result = (orders.join(customers, "customer_id")
          .groupBy("country")
          .agg(F.sum("total").alias("revenue"))
          .orderBy(F.desc("revenue")))
