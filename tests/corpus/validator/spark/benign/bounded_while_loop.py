# inputs: sales
from pyspark.sql import functions as F
sales = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
threshold = 1000
steps = 0
while True:
    steps += 1
    if threshold <= 10 or steps > 5:
        break
    threshold = threshold // 2
result = sales.filter(F.col("amount") > threshold).agg(F.count("*").alias("orders_above"))
