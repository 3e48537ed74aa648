# expect: safety.format-string
# class: 4-computed-attributes
import ray
ds = ray.data.read_csv(inputs["sales"])
result = '{0.gi_code}'.format(ds)
