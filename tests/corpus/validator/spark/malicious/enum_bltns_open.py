# expect: safety.forbidden-import
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import enum
result = enum.bltns.open('/etc/passwd').read()
