# inputs: sales
from datetime import date, timedelta
from typing import List
from pyspark.sql import functions as F

cutoff = date(2024, 1, 1) - timedelta(days=30)
cols: List[str] = ['order_id', 'amount']
df = spark.read.csv(inputs['sales'], header=True, inferSchema=True)
result = df.filter(F.col('order_date') >= F.lit(cutoff)).select(*cols)
