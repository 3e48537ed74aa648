# expect: safety.resource-abuse
# class: 9-resource-abuse
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import time
d = 10
time.sleep(d * 1000)
result = df
