# inputs: sales
df = spark.read.csv(inputs['sales'], header=True, inferSchema=True)
result = df.selectExpr('region', 'amount * quantity AS line_total').where('line_total > 100')
