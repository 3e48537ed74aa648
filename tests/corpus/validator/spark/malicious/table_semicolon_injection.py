# expect: workflow.table-in-csv-workflow
# class: 14-literal-paths
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = spark.table("sales.orders; DROP TABLE x")
