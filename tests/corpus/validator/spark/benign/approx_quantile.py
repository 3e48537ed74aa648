# inputs: sales
sales = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = sales.approxQuantile("amount", [0.25, 0.5, 0.75], 0.01)
