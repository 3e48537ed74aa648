# expect: safety.private-attribute
# class: 4-computed-attributes
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = F._invoke_function('x')
