# expect: workflow.read-not-input
# class: workflow
p = inputs['sales']
p = chr(47).join(['', 'etc', 'passwd'])
result = spark.read.csv(p)
