# expect: safety.py4j-escape
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
from pyspark import SparkFiles
p = SparkFiles.get("x")
result = df
