# inputs: sales
from pyspark.sql import functions as F
sales = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = (sales.groupBy("product")
          .agg(F.sum("quantity").alias("units"))
          .orderBy(F.col("units").desc())
          .limit(10))
