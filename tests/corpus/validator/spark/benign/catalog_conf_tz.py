# workflow: catalog tables: sales.orders,sales.customers
# inputs: orders,customers
from pyspark.sql import functions as F
spark.conf.set("spark.sql.session.timeZone", "UTC")
orders = spark.table("sales.orders")
customers = spark.table("sales.customers")
result = orders.groupBy(F.to_date("order_ts").alias("day")).count().join(customers.limit(0), how="cross")
