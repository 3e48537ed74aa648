# expect: safety.udf
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
from pyspark.sql.functions import udf
@udf('string')
def shout(s):
    return s.upper()
result = df.select(shout(df.region))
