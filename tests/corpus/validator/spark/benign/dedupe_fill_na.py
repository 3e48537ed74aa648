# inputs: sales
import pyspark.sql.functions as F
df = spark.read.csv(inputs['sales'], header=True, inferSchema=True)
df = df.dropDuplicates(['order_id']).na.fill({'amount': 0})
result = df.groupBy('region').agg(F.sum('amount').alias('revenue'))
