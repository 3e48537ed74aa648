# inputs: sales
import pyarrow as pa
from pyarrow import csv as pacsv
import ray

opts = pacsv.ConvertOptions(column_types={"amount": pa.float64()}, strings_can_be_null=False)
ds = ray.data.read_csv(inputs["sales"], convert_options=opts)
result = ds.to_pandas().groupby("region", as_index=False)["amount"].mean()
