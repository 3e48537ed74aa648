# inputs: sales,customers
from pyspark.sql import functions as F
sales = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
customers = spark.read.csv(inputs["customers"], header=True, inferSchema=True)
joined = sales.join(customers, on="customer_id", how="inner")
result = joined.groupBy("segment").agg(F.sum("amount").alias("revenue"))
