# expect: contract.writes-output
# class: contract
import ray
ds = ray.data.read_csv(inputs["sales"])
ds.write_parquet("/tmp/out")
result = ds
