# expect: workflow.literal-path
# class: 14-literal-paths
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
other = spark.read.csv(inputs['sales'] + '/../../tenant-b/')
result = other
