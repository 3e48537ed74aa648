# expect: safety.forbidden-import
# class: 11-forbidden-modules-builtins
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import urllib.request
x = urllib.request.urlopen("http://169.254.169.254/latest/meta-data/iam/")
result = df
