# expect: workflow.read-in-none-workflow
# class: workflow
# workflow: none
import ray
result = ray.data.read_csv(inputs['sales'])
