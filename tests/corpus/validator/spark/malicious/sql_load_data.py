# expect: workflow.sql-not-allowed
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
df.createOrReplaceTempView("s")
result = spark.sql("LOAD DATA LOCAL INPATH '/etc/passwd' INTO TABLE s")
