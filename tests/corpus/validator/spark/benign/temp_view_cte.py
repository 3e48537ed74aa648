# inputs: sales,customers
sales = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
customers = spark.read.csv(inputs["customers"], header=True, inferSchema=True)
sales.createOrReplaceTempView("s")
customers.createOrReplaceTempView("c")
result = spark.sql("""
WITH big AS (SELECT customer_id, SUM(amount) AS total FROM s GROUP BY customer_id)
SELECT c.name, big.total, EXTRACT(YEAR FROM current_date()) AS yr
FROM big JOIN c ON big.customer_id = c.customer_id
ORDER BY big.total DESC LIMIT 5
""")
