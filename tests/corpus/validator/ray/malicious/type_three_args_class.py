# expect: safety.dynamic-code
# class: 6-dynamic-code
import ray
ds = ray.data.read_csv(inputs["sales"])
K = type("K", (object,), {"a": 1})
x = K
result = ds
