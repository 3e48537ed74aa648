# expect: workflow.unsupported-source
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = spark.read.option("fs.s3a.endpoint", "http://evil").csv(inputs["sales"])
