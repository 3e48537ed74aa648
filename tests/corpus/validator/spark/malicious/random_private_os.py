# expect: safety.private-attribute
# class: 5-indirect-import
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import random
x = random._os.environ
result = df
