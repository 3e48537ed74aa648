# expect: workflow.catalog-api
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = spark.catalog.listTables('finance')
