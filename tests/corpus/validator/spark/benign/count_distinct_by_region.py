# inputs: sales
from pyspark.sql import functions as F
sales = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = sales.groupBy("region").agg(F.countDistinct("customer_id").alias("customers"))
