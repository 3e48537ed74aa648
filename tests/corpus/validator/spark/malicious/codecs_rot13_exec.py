# expect: safety.forbidden-import
# class: 6-dynamic-code
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import codecs
x = codecs.decode("vzcbeg bf", "rot13")
result = df
