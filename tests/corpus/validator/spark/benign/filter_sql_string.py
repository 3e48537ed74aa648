# inputs: sales
sales = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
big = sales.filter("amount > 100 AND region IS NOT NULL")
result = big.selectExpr("region", "amount * 1.2 AS amount_with_tax")
