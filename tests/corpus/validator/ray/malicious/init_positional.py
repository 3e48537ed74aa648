# expect: safety.ray-init-address
# class: 8-escape-hatches
import ray
ray.init('auto')
result = ray.data.read_csv(inputs['sales'])
