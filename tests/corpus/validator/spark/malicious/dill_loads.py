# expect: safety.forbidden-import
# class: 6-dynamic-code
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import dill
x = dill.loads(b"")
result = df
