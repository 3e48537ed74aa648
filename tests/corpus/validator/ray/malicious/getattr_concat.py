# expect: safety.dynamic-attribute
# class: 4-computed-attributes
import ray
ds = ray.data.read_csv(inputs["sales"])
result = getattr(ray, 'get_runtime' + '_context')()
