# expect: workflow.literal-path
# class: 14-literal-paths
result = spark.read.text('/proc/self/environ')
