# expect: framework.ray-in-spark
# class: framework
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import ray
result = df
