# expect: workflow.read-not-input
# class: workflow
import ray
p = ''.join(['/', 'etc'])
result = ray.data.read_csv(p)
