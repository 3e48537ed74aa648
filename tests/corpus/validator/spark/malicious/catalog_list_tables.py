# expect: workflow.catalog-api
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
t = spark.catalog.listTables()
result = df
