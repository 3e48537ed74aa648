# expect: safety.library-io
# class: 11-forbidden-modules-builtins
import ray
ds = ray.data.read_csv(inputs["sales"])
import zoneinfo
zoneinfo.reset_tzpath(["etc"])
x = zoneinfo.ZoneInfo("passwd")
result = ds
