# expect: safety.resource-abuse
# class: 9-resource-abuse
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
from time import sleep
sleep(86400)
result = df
