# expect: workflow.read-not-input
# class: workflow
p = inputs['sales']
p += chr(47) + 'x'
result = spark.read.csv(p)
