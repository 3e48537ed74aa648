# inputs: sales
from pyspark.sql import functions as F
df = spark.read.csv(inputs['sales'], header=True, inferSchema=True)
arr = df.withColumn('parts', F.split('tags', ';'))
result = arr.withColumn('upper_parts', F.transform('parts', lambda x: F.upper(x))).select('order_id', 'upper_parts')
