# inputs: sales,customers
from pyspark.sql import functions as F
sales = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
customers = spark.read.csv(inputs["customers"], header=True, inferSchema=True)
result = customers.join(sales, "customer_id", "left_anti").select("customer_id", "name")
