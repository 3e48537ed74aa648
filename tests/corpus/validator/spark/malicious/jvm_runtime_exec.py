# expect: safety.py4j-escape
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
rt = spark._jvm.java.lang.Runtime.getRuntime()
result = df
