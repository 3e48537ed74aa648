# expect: safety.forbidden-import
# class: 11-forbidden-modules-builtins
import ray
ds = ray.data.read_csv(inputs["sales"])
import resource
resource.setrlimit(resource.RLIMIT_NOFILE, (1, 1))
result = ds
