# expect: safety.forbidden-import
# class: 6-dynamic-code
import ray
ds = ray.data.read_csv(inputs["sales"])
import codecs
x = codecs.decode("vzcbeg bf", "rot13")
result = ds
