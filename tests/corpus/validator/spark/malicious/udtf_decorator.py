# expect: safety.udf
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
from pyspark.sql.functions import udtf
@udtf(returnType="a: int")
class T:
    def eval(self):
        yield (1,)
result = df
