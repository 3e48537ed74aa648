# expect: safety.sql-reflection
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = df.where("JAVA_METHOD('java.lang.System', 'exit', 0)".lower())
