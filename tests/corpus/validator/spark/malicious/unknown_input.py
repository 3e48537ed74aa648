# expect: contract.input-unknown
# class: contract
result = spark.read.csv(inputs['payroll'], header=True)
