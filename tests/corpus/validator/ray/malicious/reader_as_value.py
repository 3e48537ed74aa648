# expect: workflow.read-not-input
# class: workflow
import ray
load = ray.data.read_csv
result = load(inputs['sales'])
