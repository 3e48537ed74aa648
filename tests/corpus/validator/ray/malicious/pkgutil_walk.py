# expect: safety.forbidden-import
# class: 5-indirect-import
import ray
ds = ray.data.read_csv(inputs["sales"])
import pkgutil
x = list(pkgutil.iter_modules())
result = ds
