# expect: safety.runtime-env
# class: 8-escape-hatches
import ray
ray.init(runtime_env={'pip': ['x']})
result = ray.data.read_csv(inputs['sales'])
