# inputs: sales
from decimal import Decimal, ROUND_HALF_UP
from fractions import Fraction
from pyspark.sql import functions as F
sales = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
share = Fraction(1, 3)
rate = float(Decimal("0.075").quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
result = sales.withColumn("tax", F.round(F.col("amount") * rate, 2)).withColumn("share", F.lit(float(share)))
