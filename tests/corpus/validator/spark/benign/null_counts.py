# inputs: sales
from pyspark.sql import functions as F
sales = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = sales.select([F.sum(F.col(c).isNull().cast("int")).alias(c) for c in sales.columns])
