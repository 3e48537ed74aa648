# inputs: sales
from pyspark.sql import functions as F
df = spark.read.csv(inputs['sales'], header=True, inferSchema=True)
row = df.agg(F.max('amount').alias('mx')).first()
print('max amount', row['mx'])
result = row['mx']
