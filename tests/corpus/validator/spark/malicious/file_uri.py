# expect: workflow.literal-path
# class: 14-literal-paths
result = spark.read.csv('file:///etc/passwd')
