# expect: workflow.literal-path
# class: 14-literal-paths
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = spark.read.csv("http://169.254.169.254/latest/meta-data/")
