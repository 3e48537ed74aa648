# expect: safety.encoding-declaration
# coding=raw_unicode_escape
# class: 7-source-tricks
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = df
