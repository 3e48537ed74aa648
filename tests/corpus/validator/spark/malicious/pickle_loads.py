# expect: safety.forbidden-import
# class: 6-dynamic-code
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import pickle
x = pickle.loads(b"cos\nsystem\n.")
result = df
