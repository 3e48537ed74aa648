# workflow: catalog tables: sales.orders,sales.customers
# inputs: orders,customers
result = spark.sql("SELECT o.status, COUNT(*) AS n FROM sales.orders o JOIN sales.customers c ON o.customer_id = c.customer_id GROUP BY o.status")
