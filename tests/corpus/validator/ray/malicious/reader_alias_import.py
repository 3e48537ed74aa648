# expect: workflow.read-not-input
# class: workflow
import ray
from ray.data import read_csv as rc
result = rc(''.join(['/', 'etc']))
