# inputs: sales
from pyspark.sql import functions as F
sales = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
kb = 2 ** 10
sep = "-" * 20
result = sales.withColumn("amount_k", F.col("amount") / kb).withColumn("rule", F.lit(sep))
