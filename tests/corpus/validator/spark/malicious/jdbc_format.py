# expect: workflow.unsupported-source
# class: workflow
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
other = spark.read.format('jdbc').option('url', 'jdbc:postgresql://db/x').load()
result = other
