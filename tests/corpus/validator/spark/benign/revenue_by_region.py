# inputs: sales
from pyspark.sql import functions as F
sales = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = (
    sales.groupBy("region")
    .agg(F.sum("amount").alias("revenue"), F.count("*").alias("orders"))
    .orderBy(F.desc("revenue"))
)
