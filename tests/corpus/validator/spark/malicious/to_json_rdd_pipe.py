# expect: safety.rdd-api
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = df.toJSON().pipe("id").collect()
