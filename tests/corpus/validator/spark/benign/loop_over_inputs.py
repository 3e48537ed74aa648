# inputs: sales,customers
from pyspark.sql import functions as F
frames = {name: spark.read.csv(path, header=True, inferSchema=True) for name, path in inputs.items()}
result = frames["sales"].join(frames["customers"], "customer_id").count()
