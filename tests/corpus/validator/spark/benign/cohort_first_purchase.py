# inputs: sales
from pyspark.sql import functions as F
sales = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
first = sales.groupBy("customer_id").agg(F.min("order_date").alias("first_order"))
cohorts = first.withColumn("cohort", F.date_format("first_order", "yyyy-MM"))
result = cohorts.groupBy("cohort").count().orderBy("cohort")
