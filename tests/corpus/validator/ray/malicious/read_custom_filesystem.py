# expect: workflow.unsupported-source
# class: workflow
import ray
import pyarrow
result = ray.data.read_csv(inputs['sales'], filesystem=pyarrow.fs.S3FileSystem(endpoint_override='http://evil'))
