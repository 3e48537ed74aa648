# expect: safety.ray-jobs-api
# class: 8-escape-hatches
import ray
ds = ray.data.read_csv(inputs["sales"])
import ray.job_submission as js
js.JobSubmissionClient().stop_job("raysubmit_x")
result = ds
