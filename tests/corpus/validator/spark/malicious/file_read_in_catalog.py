# expect: workflow.file-read-in-catalog-workflow
# class: workflow
# workflow: catalog tables: sales.orders
result = spark.read.csv(inputs['orders'])
