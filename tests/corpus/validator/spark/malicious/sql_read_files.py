# expect: workflow.sql-not-allowed
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = spark.sql("SELECT * FROM read_files('/etc')")
