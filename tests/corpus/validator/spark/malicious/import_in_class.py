# expect: safety.forbidden-import
# class: 5-indirect-import
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
class H:
    import socket
x = H
result = df
