# inputs: sales
from pyspark.sql import functions as F
from pyspark.sql.window import Window
sales = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
w = Window.partitionBy("order_id").orderBy(F.col("updated_at").desc())
result = sales.withColumn("rn", F.row_number().over(w)).where("rn = 1").drop("rn")
