# expect: safety.ray-init-address
# class: 8-escape-hatches
import ray
ray.init(address='ray://other-cluster:10001')
ds = ray.data.read_csv(inputs['sales'])
result = ds
