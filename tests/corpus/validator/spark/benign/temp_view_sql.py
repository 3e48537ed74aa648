# inputs: sales
sales = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
sales.createOrReplaceTempView("sales")
result = spark.sql("""
    SELECT region, SUM(amount) AS revenue
    FROM sales
    WHERE amount > 0
    GROUP BY region
    ORDER BY revenue DESC
""")
