# expect: workflow.table-not-selected
# class: workflow
# workflow: catalog tables: sales.orders
result = spark.sql('SELECT * FROM sales.orders o JOIN hr.salaries s ON o.id = s.id')
