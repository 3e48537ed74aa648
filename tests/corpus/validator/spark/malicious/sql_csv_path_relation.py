# expect: workflow.table-in-csv-workflow
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
df.createOrReplaceTempView("s")
result = spark.sql("SELECT * FROM csv.`/etc/passwd`")
