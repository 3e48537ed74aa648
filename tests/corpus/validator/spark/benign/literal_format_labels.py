# inputs: sales
from pyspark.sql import functions as F
sales = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
total = sales.agg(F.sum("amount")).first()[0] or 0
label = "{:,.2f} in total".format(total)
result = spark.createDataFrame([(label,)], ["summary"])
