# expect: safety.udf
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
spark.udf.registerJavaFunction("f", "com.evil.F")
result = df
