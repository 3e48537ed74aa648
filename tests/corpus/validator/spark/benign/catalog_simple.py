# workflow: catalog tables: sales.orders,sales.customers
# inputs: orders,customers
from pyspark.sql import functions as F
orders = spark.table("sales.orders")
result = orders.groupBy("status").count()
