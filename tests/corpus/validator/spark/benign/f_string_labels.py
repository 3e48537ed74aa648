# inputs: sales
from pyspark.sql import functions as F
sales = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
total = sales.count()
label = f"{total} orders"
result = sales.groupBy("region").count().withColumn("label", F.lit(label))
