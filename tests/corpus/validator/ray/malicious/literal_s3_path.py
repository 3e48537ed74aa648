# expect: workflow.literal-path
# class: 14-literal-paths
import ray
result = ray.data.read_csv('s3://other-tenant/x.csv')
