# expect: safety.forbidden-import
# class: 11-forbidden-modules-builtins
import ray
ds = ray.data.read_csv(inputs["sales"])
import urllib.request
x = urllib.request.urlopen("http://169.254.169.254/latest/meta-data/iam/")
result = ds
