# inputs: sales
sales = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = sales.describe("amount", "quantity")
