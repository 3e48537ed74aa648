# expect: contract.session-created
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
from pyspark.sql import SparkSession
spark2 = SparkSession.builder.master('spark://other:7077').getOrCreate()
result = df
