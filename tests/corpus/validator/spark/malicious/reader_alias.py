# expect: workflow.read-not-input
# class: workflow
r = spark.read
result = r.csv(chr(47) + 'etc')
