# inputs: sales
from pyspark.sql import functions as F
jobs = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = jobs.groupBy(F.col("exec").alias("executive")).agg(F.sum("amount").alias("total"))
