# expect: safety.runtime-env
# class: 8-escape-hatches
import ray
ds = ray.data.read_csv(inputs["sales"])
@ray.remote
class A:
    def v(self):
        return 1
a = A.options(runtime_env={'env_vars': {'LD_PRELOAD': '/tmp/x.so'}}).remote()
result = ds
