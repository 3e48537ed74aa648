# expect: safety.spark-conf
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
c = spark.conf
c.set("spark.sql.shuffle.partitions", "4")
result = df
