# inputs: sales
from pyspark.sql import functions as F
users = spark.read.csv(inputs["sales"], header=True)
domains = users.withColumn("domain", F.regexp_extract("email", r"@([\w.-]+)$", 1))
result = domains.groupBy("domain").count().orderBy(F.desc("count")).limit(10)
