# expect: safety.spark-conf
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = spark.conf.get('spark.hadoop.fs.s3a.secret.key')
