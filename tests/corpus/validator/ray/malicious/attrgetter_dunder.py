# expect: safety.dynamic-attribute
# class: 4-computed-attributes
import ray
ds = ray.data.read_csv(inputs["sales"])
import operator
x = operator.attrgetter("__class__")(ds)
result = ds
