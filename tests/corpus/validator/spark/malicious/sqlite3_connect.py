# expect: safety.forbidden-import
# class: 11-forbidden-modules-builtins
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import sqlite3
x = sqlite3.connect("/data/gateway.sqlite3")
result = df
