# expect: safety.py4j-escape
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
sc = spark.sparkContext
result = sc.parallelize([1, 2]).count()
