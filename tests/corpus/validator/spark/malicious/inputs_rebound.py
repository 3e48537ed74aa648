# expect: contract.reserved-name-rebound
# class: contract
inputs = {'sales': 'x'}
result = spark.read.csv(inputs['sales'])
