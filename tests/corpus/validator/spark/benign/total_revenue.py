# inputs: sales
from pyspark.sql import functions as F
sales = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = sales.agg(F.sum("amount").alias("total_revenue"))
