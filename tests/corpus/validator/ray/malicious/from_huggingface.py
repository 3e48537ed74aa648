# expect: workflow.unsupported-source
# class: 8-escape-hatches
import ray
ds = ray.data.read_csv(inputs["sales"])
result = ray.data.from_huggingface("x")
