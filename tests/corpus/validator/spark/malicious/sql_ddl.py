# expect: workflow.sql-not-allowed
# class: workflow
# workflow: catalog tables: sales.orders
spark.sql('DROP TABLE sales.orders')
result = spark.table('sales.orders')
