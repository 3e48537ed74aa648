# expect: workflow.read-not-input
# class: 14-literal-paths
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = spark.read.csv(inputs["sales"].replace("sales", "payroll"))
