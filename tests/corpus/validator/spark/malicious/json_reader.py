# expect: workflow.unsupported-source
# class: workflow
result = spark.read.json(inputs['sales'])
