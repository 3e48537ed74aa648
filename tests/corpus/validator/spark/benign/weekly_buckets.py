# inputs: sales
from pyspark.sql import functions as F
sales = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = (sales
    .withColumn("week", F.weekofyear(F.to_date(F.col("order_date"), "yyyy-MM-dd")))
    .withColumn("year", F.year(F.to_date(F.col("order_date"), "yyyy/MM/dd")))
    .groupBy("year", "week").count())
