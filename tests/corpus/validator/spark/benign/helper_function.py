# inputs: sales
from pyspark.sql import DataFrame, functions as F


def add_margin(df: DataFrame) -> DataFrame:
    return df.withColumn("margin", (F.col("price") - F.col("cost")) / F.col("price"))


sales = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = add_margin(sales).groupBy("product").agg(F.avg("margin").alias("avg_margin"))
