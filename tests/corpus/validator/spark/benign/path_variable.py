# inputs: sales
from pyspark.sql import functions as F
path = inputs["sales"]
df = spark.read.csv(path, header=True, inferSchema=True)
result = df.groupBy("channel").agg(F.sum("amount").alias("revenue"))
