# expect: contract.spark-stop
# class: contract
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
spark.stop()
result = df
