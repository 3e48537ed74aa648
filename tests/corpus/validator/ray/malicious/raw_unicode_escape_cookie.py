# expect: safety.encoding-declaration
# coding=raw_unicode_escape
# class: 7-source-tricks
import ray
ds = ray.data.read_csv(inputs["sales"])
result = ds
