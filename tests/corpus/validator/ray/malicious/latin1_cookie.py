# expect: safety.encoding-declaration
# -*- coding: latin-1 -*-
# class: 7-source-tricks
import ray
ds = ray.data.read_csv(inputs["sales"])
result = ds
