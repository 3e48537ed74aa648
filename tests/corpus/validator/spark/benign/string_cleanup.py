# inputs: sales
from pyspark.sql import functions as F
sales = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
clean = sales.withColumn("region", F.initcap(F.trim(F.col("region"))))
result = clean.groupBy("region").count()
