# inputs: sales
from collections import namedtuple
from pyspark.sql import functions as F
sales = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
Stats = namedtuple("Stats", ["rows", "revenue"])
row = sales.agg(F.count("*").alias("n"), F.sum("amount").alias("rev")).first()
result = Stats(row["n"], row["rev"])._asdict()
