# expect: safety.forbidden-import
# class: 11-forbidden-modules-builtins
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
import resource
resource.setrlimit(resource.RLIMIT_NOFILE, (1, 1))
result = df
