# expect: safety.non-ascii-identifier
# class: 7-source-tricks
import ray
ds = ray.data.read_csv(inputs["sales"])
x = __ｉｍｐｏｒｔ__("os")
result = ds
