# expect: safety.sql-reflection
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = df.selectExpr("%sflect('java.util.UUID', 'randomUUID')" % "re")
