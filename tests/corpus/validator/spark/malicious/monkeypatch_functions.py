# expect: safety.monkeypatch
# class: 8-escape-hatches
from pyspark.sql import functions as F
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
F.col = lambda c: c
result = df
