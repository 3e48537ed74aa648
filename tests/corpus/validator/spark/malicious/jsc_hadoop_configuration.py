# expect: safety.py4j-escape
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
spark._jsc.hadoopConfiguration().set("fs.s3a.access.key", "x")
result = df
