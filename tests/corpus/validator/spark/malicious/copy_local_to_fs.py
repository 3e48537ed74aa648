# expect: safety.dependency-injection
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
spark.copyFromLocalToFs("/tmp/x", "/tmp/y")
result = df
