# expect: safety.sql-reflection
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = df.filter("reflect('java.lang.Thread', 'sleep', 100000L) IS NULL")
