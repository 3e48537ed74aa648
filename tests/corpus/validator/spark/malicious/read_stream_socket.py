# expect: workflow.unsupported-source
# class: workflow
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
s = spark.readStream.format('socket').load()
result = df
