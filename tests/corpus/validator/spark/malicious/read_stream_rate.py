# expect: workflow.unsupported-source
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
x = spark.readStream.format("rate").load()
result = df
