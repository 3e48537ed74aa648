# expect: safety.sql-reflection
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
df.createOrReplaceTempView("s")
result = spark.sql("SELECT java_method('java.lang.System', 'exit', 0) FROM s")
