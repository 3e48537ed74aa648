# expect: contract.session-created
# class: 8-escape-hatches
from pyspark.sql import SparkSession
spark = SparkSession.builder.config('spark.hadoop.fs.s3a.endpoint', 'http://evil').getOrCreate()
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = df
