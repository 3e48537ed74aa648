# expect: workflow.read-not-input
# class: 14-literal-paths
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
p = inputs["sales"].rsplit("/", 1)[0]
result = spark.read.csv(p)
