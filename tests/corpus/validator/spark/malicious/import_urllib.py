# expect: safety.forbidden-import
# class: 11-forbidden-modules-builtins
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
from urllib.request import urlopen
result = urlopen('http://169.254.169.254/latest/meta-data/').read()
