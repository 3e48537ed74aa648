# expect: safety.forbidden-import
# class: 11-forbidden-modules-builtins
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import asyncio
x = asyncio.create_subprocess_shell("id")
result = df
