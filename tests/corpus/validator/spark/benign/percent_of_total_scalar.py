# inputs: sales
from pyspark.sql import functions as F
sales = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
total = sales.agg(F.sum("amount")).collect()[0][0]
result = sales.groupBy("region").agg((F.sum("amount") / F.lit(total) * 100).alias("share"))
