# expect: safety.dunder-access
# class: 1-subclass-traversal
import ray
ds = ray.data.read_csv(inputs["sales"])
w = [c for c in ().__class__.__base__.__subclasses__() if c.__name__ == "catch_warnings"][0]
x = w()._module.__builtins__
result = ds
