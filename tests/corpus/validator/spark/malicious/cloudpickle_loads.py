# expect: safety.forbidden-import
# class: 6-dynamic-code
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import cloudpickle
x = cloudpickle.loads(b"")
result = df
