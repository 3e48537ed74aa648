# inputs: sales
from pyspark.sql import functions as F
logs = spark.read.csv(inputs["sales"], header=True)
flagged = logs.withColumn("mentions_import", F.col("note").contains("import os"))
result = flagged.groupBy("mentions_import").count()
