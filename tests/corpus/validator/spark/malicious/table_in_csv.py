# expect: workflow.table-in-csv-workflow
# class: workflow
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
hr = spark.table('hr.salaries')
result = df
