# expect: safety.forbidden-import
# class: 11-forbidden-modules-builtins
import ray
ds = ray.data.read_csv(inputs["sales"])
import sqlite3
x = sqlite3.connect("/data/gateway.sqlite3")
result = ds
