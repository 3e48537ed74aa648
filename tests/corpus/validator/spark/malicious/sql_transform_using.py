# expect: workflow.sql-not-allowed
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
df.createOrReplaceTempView("s")
result = spark.sql("SELECT TRANSFORM(region) USING 'cat /etc/passwd' FROM s")
