# inputs: sales
from pyspark.sql import functions as F
sales = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = sales.groupBy("region").pivot("quarter").agg(F.sum("amount"))
