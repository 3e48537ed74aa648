# inputs: sales
from pyspark.sql import functions as F
from pyspark.sql.types import StructType, StructField, StringType, DoubleType
schema = StructType([StructField("region", StringType()), StructField("amount", DoubleType())])
sales = spark.read.schema(schema).option("header", True).csv(inputs["sales"])
result = sales.groupBy("region").sum("amount")
