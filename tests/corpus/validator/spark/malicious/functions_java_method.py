# expect: safety.sql-reflection
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = df.select(F.java_method(F.lit('java.lang.System'), F.lit('getenv')))
