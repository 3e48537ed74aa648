# expect: safety.dunder-access
# class: 1-subclass-traversal
import ray
ds = ray.data.read_csv(inputs["sales"])
x = [c for c in [].__class__.__base__.__subclasses__() if c.__name__ == "Popen"]
result = ds
