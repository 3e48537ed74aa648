# expect: safety.py4j-escape
# class: 4-computed-attributes
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = df._jdf.queryExecution()
