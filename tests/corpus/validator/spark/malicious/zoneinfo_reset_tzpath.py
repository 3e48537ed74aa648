# expect: safety.library-io
# class: 11-forbidden-modules-builtins
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import zoneinfo
zoneinfo.reset_tzpath(["etc"])
x = zoneinfo.ZoneInfo("passwd")
result = df
