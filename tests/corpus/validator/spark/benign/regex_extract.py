# inputs: sales
from pyspark.sql import functions as F
sales = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = sales.withColumn("sku_prefix", F.regexp_extract("sku", r"^([A-Z]+)-", 1)).groupBy("sku_prefix").count()
