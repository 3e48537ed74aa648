# inputs: sales
sales = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = sales.crosstab("region", "channel")
