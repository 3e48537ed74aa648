# inputs: sales
from pyspark.sql import SparkSession, functions as F
spark = SparkSession.builder.appName("analysis").getOrCreate()
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = df.agg(F.sum("amount"))
