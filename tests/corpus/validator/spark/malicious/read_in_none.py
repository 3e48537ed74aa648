# expect: workflow.read-in-none-workflow
# class: workflow
# workflow: none
result = spark.table('sales.orders').count()
