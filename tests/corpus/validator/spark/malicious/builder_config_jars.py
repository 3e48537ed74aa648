# expect: contract.session-created
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
from pyspark.sql import SparkSession
s = SparkSession.builder.config("spark.jars.packages", "x:y:1").getOrCreate()
result = df
