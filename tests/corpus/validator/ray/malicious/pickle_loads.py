# expect: safety.forbidden-import
# class: 6-dynamic-code
import ray
ds = ray.data.read_csv(inputs["sales"])
import pickle
x = pickle.loads(b"cos\nsystem\n.")
result = ds
