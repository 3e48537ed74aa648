# expect: safety.forbidden-import
# class: 11-forbidden-modules-builtins
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import io
x = io.open("/etc/passwd").read()
result = df
