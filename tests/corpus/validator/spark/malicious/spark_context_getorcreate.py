# expect: safety.py4j-escape
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
from pyspark import SparkContext
sc = SparkContext.getOrCreate()
result = df
