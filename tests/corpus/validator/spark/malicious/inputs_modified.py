# expect: contract.inputs-modified
# class: contract
inputs['sales'] = 's3://other/x.csv'
result = spark.read.csv(inputs['sales'])
