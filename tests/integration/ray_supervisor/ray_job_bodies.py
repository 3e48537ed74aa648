"""Ray job bodies and inputs shared by the Jobs API tests (test_ray_jobs.py) and the pooled
driver's tests (test_ray_pool.py): both paths must answer the same code the same way."""

from __future__ import annotations

from codeinterp.common.v1 import types_pb2 as t

PANDAS_BODY = """import ray
ds = ray.data.read_csv(inputs["sales"])
df = ds.to_pandas()
print("rows:", len(df))
result = df.groupby("region", as_index=False)["amount"].sum().sort_values("region")
"""
DATASET_BODY = """import ray
ds = ray.data.read_csv(inputs["sales"])
result = ds.filter(lambda row: row["amount"] > 4)
"""
SCALAR_BODY = """import ray

@ray.remote
def square(x):
    return x * x

result = sum(ray.get([square.remote(i) for i in range(10)]))
"""
FAILING_BODY = """import ray

@ray.remote
def square(x):
    return x * x

value = ray.get(square.remote(3))
result = value / 0
"""
SLEEP_BODY = """import ray
import time

@ray.remote
def slow():
    for _ in range({seconds} * 4):  # short sleeps: one sleep over 30 s is refused (safety.resource-abuse)
        time.sleep(0.25)
    return 1

result = ray.get(slow.remote())
"""


def csv_input(path) -> t.ExecutionInput:
    return t.ExecutionInput(name="sales", kind=t.ExecutionInput.CSV_FILE, uri=str(path))
