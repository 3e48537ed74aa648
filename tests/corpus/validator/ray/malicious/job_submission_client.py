# expect: safety.ray-jobs-api
# class: 8-escape-hatches
import ray
ds = ray.data.read_csv(inputs["sales"])
from ray.job_submission import JobSubmissionClient
c = JobSubmissionClient("http://127.0.0.1:8265")
result = ds
