# inputs: sales
from pyspark.sql import functions as F
sales = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = sales.groupBy("region").agg(F.percentile_approx("amount", 0.5).alias("median_amount"))
