# workflow: catalog tables: sales.orders,sales.customers
# inputs: orders,customers
from pyspark.sql import functions as F
orders = spark.table(inputs["orders"])
customers = spark.read.table(inputs["customers"])
result = orders.join(customers, "customer_id").agg(F.countDistinct("customer_id"))
