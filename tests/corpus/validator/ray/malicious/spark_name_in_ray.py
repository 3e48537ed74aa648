# expect: framework.pyspark-in-ray
# class: framework
result = spark.read.csv(inputs['sales'])
