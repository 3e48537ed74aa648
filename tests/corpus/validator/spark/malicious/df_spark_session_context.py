# expect: safety.py4j-escape
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
sc = df.sparkSession.sparkContext
result = df
