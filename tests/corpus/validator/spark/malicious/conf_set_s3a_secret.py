# expect: safety.spark-conf
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
spark.conf.set("spark.hadoop.fs.s3a.secret.key", "x")
result = df
