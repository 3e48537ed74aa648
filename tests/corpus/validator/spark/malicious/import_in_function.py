# expect: safety.forbidden-import
# class: 5-indirect-import
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
def helper():
    import os
    return os.listdir('.')
x = helper()
result = df
