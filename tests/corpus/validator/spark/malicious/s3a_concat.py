# expect: workflow.literal-path
# class: 14-literal-paths
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
other = spark.read.csv('s3a:' + '//other/x.csv')
result = other
