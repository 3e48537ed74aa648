# inputs: sales
from pyspark.sql import functions as F
devices = spark.read.csv(inputs["sales"], header=True)
result = devices.groupBy(F.col("os")).agg(F.countDistinct("user_id").alias("users"))
