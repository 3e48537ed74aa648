# expect: safety.forbidden-import
# class: 11-forbidden-modules-builtins
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
def helper():
    import shutil
    return shutil.disk_usage('.')
result = helper()
