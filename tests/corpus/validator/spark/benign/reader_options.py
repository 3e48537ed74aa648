# inputs: sales
import pyspark.sql.functions as F
sales = (spark.read.option("header", "true").option("inferSchema", "true")
         .option("sep", ";").csv(inputs["sales"]))
result = sales.agg(F.max("amount"), F.min("amount"))
