# workflow: catalog tables: sales.orders,sales.customers
# inputs: orders,customers
result = spark.sql('''
    WITH recent AS (
        SELECT * FROM sales.orders WHERE order_ts >= date_sub(current_date(), 30)
    )
    SELECT c.country, COUNT(*) AS n
    FROM recent r
    LEFT JOIN sales.customers c USING (customer_id)
    GROUP BY c.country
''')
