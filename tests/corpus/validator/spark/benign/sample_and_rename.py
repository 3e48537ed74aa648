# inputs: sales
from pyspark.sql import functions as F
df = spark.read.csv(inputs['sales'], header=True, inferSchema=True)
result = df.sample(fraction=0.1, seed=42).withColumnRenamed('amount', 'sale_amount')
