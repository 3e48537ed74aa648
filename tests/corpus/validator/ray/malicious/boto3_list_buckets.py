# expect: safety.forbidden-import
# class: 11-forbidden-modules-builtins
import ray
ds = ray.data.read_csv(inputs["sales"])
import boto3
x = boto3.client("s3").list_buckets()
result = ds
