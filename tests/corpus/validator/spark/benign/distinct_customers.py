# inputs: sales
from pyspark.sql import functions as F
sales = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = sales.select("customer_id").distinct().count()
