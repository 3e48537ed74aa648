# expect: safety.sql-reflection
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
df.createOrReplaceTempView("s")
result = spark.sql("SELECT reflect('java.lang.System', 'getenv', 'AWS_SECRET_ACCESS_KEY') FROM s")
