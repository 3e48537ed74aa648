# expect: safety.ray-init-address
# class: 8-escape-hatches
import ray
ray.init(namespace='other-tenant', ignore_reinit_error=True)
result = ray.data.read_csv(inputs['sales'])
