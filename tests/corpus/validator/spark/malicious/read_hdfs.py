# expect: workflow.literal-path
# class: 14-literal-paths
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = spark.read.csv("hdfs://nn:8020/secret")
