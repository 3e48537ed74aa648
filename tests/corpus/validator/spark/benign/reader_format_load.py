# inputs: sales
from pyspark.sql import functions as F
sales = spark.read.format("csv").options(header=True, inferSchema=True).load(inputs["sales"])
result = sales.count()
