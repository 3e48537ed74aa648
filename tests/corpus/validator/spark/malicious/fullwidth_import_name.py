# expect: safety.non-ascii-identifier
# class: 7-source-tricks
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
x = __ｉｍｐｏｒｔ__("os")
result = df
