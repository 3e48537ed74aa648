# expect: workflow.literal-path
# class: 14-literal-paths
import ray
ds = ray.data.read_csv(inputs["sales"])
result = ray.data.read_csv(paths="/etc/passwd")
