# expect: workflow.read-not-input
# class: 14-literal-paths
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
b = "other"
result = spark.read.csv(f"s3://{b}/x.csv")
