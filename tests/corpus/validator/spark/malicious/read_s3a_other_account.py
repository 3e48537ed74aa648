# expect: workflow.literal-path
# class: 14-literal-paths
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = spark.read.csv("s3a://123456789012-bucket/x.csv")
