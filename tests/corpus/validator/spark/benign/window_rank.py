# inputs: sales
from pyspark.sql import functions as F
from pyspark.sql.window import Window
sales = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
w = Window.partitionBy("region").orderBy(F.desc("amount"))
result = sales.withColumn("rank", F.row_number().over(w)).filter(F.col("rank") <= 3)
