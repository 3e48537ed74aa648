# expect: workflow.read-not-input
# class: workflow
p = chr(47) + 'etc' + chr(47) + 'passwd'
result = spark.read.csv(p)
