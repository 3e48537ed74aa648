# expect: safety.forbidden-import
# class: 6-dynamic-code
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import copyreg
x = copyreg.dispatch_table
result = df
