# inputs: sales,customers
from pyspark.sql import functions as F
sales = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
customers = spark.read.csv(inputs["customers"], header=True, inferSchema=True)
ids = sales.select("customer_id").unionByName(customers.select("customer_id"))
result = ids.distinct().count()
