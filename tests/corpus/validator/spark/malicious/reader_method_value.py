# expect: workflow.read-not-input
# class: workflow
load = spark.read.csv
result = load(inputs['sales'])
