# expect: workflow.unsupported-source
# class: workflow
import ray
result = ray.data.read_parquet(inputs['sales'])
