# expect: workflow.unsupported-source
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
x = spark.read.format("jdbc").option("url", "jdbc:postgresql://db/x").load()
result = df
