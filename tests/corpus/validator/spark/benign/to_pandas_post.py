# inputs: sales
import pandas as pd
from pyspark.sql import functions as F
sales = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
pdf = sales.groupBy("region").agg(F.sum("amount").alias("revenue")).toPandas()
pdf["share"] = pdf["revenue"] / pdf["revenue"].sum()
result = spark.createDataFrame(pdf)
