# expect: safety.forbidden-import
# class: 11-forbidden-modules-builtins
import ray
ds = ray.data.read_csv(inputs["sales"])
import asyncio
x = asyncio.create_subprocess_shell("id")
result = ds
