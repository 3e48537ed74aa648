# expect: safety.forbidden-import
# class: 5-indirect-import
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import pkgutil
x = list(pkgutil.iter_modules())
result = df
