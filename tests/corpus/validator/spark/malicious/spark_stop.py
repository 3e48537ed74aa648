# expect: contract.spark-stop
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = df.count()
spark.stop()
