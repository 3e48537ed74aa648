# expect: safety.dependency-injection
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
spark.addArtifact("payload.py", pyfile=True)
result = df
