# inputs: sales
from pyspark.sql import functions as F
sales = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
bucketed = sales.withColumn(
    "size",
    F.when(F.col("amount") < 100, "small").when(F.col("amount") < 1000, "medium").otherwise("large"),
)
result = bucketed.groupBy("size").count()
