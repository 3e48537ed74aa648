# expect: workflow.table-not-selected
# class: workflow
# workflow: catalog tables: sales.orders
result = spark.table('hr.salaries')
