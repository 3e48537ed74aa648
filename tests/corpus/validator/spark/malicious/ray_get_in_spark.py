# expect: framework.ray-in-spark
# class: framework
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
from ray import get
result = df
