# expect: safety.dynamic-attribute
# class: 4-computed-attributes
import ray
ds = ray.data.read_csv(inputs["sales"])
from operator import attrgetter as ag
x = ag("count")(ds)
result = ds
