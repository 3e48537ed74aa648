# expect: workflow.unsupported-source
# class: 14-literal-paths
import ray
ds = ray.data.read_csv(inputs["sales"])
import pyarrow.fs as pafs
result = ray.data.read_csv(inputs["sales"], filesystem=pafs.LocalFileSystem())
