# expect: safety.forbidden-import
# class: 11-forbidden-modules-builtins
import ray
ds = ray.data.read_csv(inputs["sales"])
from pathlib import Path
x = Path("/etc/passwd").read_text()
result = ds
