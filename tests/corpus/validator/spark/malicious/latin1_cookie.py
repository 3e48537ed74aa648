# expect: safety.encoding-declaration
# -*- coding: latin-1 -*-
# class: 7-source-tricks
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = df
