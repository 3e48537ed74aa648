# expect: workflow.read-not-input
# class: workflow
# workflow: catalog tables: sales.orders
t = spark.table
result = t('hr.salaries')
