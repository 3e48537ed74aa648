# expect: safety.forbidden-import
# class: 6-dynamic-code
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import pickle
result = pickle.loads(b'cos\nsystem\n(S\'id\'\ntR.')
