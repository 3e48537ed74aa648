# inputs: sales
from pyspark.sql import functions as F
df = spark.read.csv(inputs['sales'], header=True, inferSchema=True).cache()
result = df.groupBy('region').agg(F.expr('percentile(amount, 0.9)').alias('p90'))
