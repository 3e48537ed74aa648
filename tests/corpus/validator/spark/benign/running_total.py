# inputs: sales
from pyspark.sql import functions as F
from pyspark.sql import Window
sales = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
w = Window.orderBy("order_date").rowsBetween(Window.unboundedPreceding, Window.currentRow)
result = sales.withColumn("running_total", F.sum("amount").over(w))
