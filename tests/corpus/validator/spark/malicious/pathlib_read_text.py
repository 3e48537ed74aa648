# expect: safety.forbidden-import
# class: 11-forbidden-modules-builtins
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
from pathlib import Path
x = Path("/etc/passwd").read_text()
result = df
