# expect: safety.resource-abuse
# class: 9-resource-abuse
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
n = 0
while 1:
    n += 1
result = df
