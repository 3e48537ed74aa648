# expect: safety.private-attribute
# class: 5-indirect-import
import ray
ds = ray.data.read_csv(inputs["sales"])
import collections
x = collections._sys.modules
result = ds
