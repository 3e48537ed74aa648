# expect: safety.forbidden-import
# class: 11-forbidden-modules-builtins
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
from socket import create_connection
result = create_connection(('10.0.0.1', 80))
