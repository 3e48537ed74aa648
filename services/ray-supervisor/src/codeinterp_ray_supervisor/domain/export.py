"""Renders a standalone Ray script for a job's code (ExportRayJob)."""

from __future__ import annotations

from codeinterp.common.v1 import types_pb2 as t

_HEADER = '''"""Standalone Ray script exported by codeinterp (job {job_id}).

Run it with the Ray Jobs CLI or directly: `python {job_id}.py` (RAY_ADDRESS selects the
cluster; without it a local Ray starts). It binds `inputs`, runs the job's code and writes
`result` to ./output (Parquet and CSV).
"""

import pathlib

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import ray

ray.init()

inputs = {inputs}

# ---- the job's code ------------------------------------------------------------------------
'''

_FOOTER = '''
# ---- write the result ----------------------------------------------------------------------
out = pathlib.Path("output")
out.mkdir(exist_ok=True)
if isinstance(result, ray.data.Dataset):
    table = pa.concat_tables(ray.get(result.to_arrow_refs())) if result.count() else None
elif isinstance(result, pd.DataFrame):
    table = pa.Table.from_pandas(result.reset_index(drop=isinstance(result.index, pd.RangeIndex)), preserve_index=False)
elif isinstance(result, pa.Table):
    table = result
else:
    table = None
    print("result:", result)
if table is not None:
    pq.write_table(table, out / "result.parquet")
    pcsv.write_csv(table, out / "result.csv")
    print(f"{{table.num_rows}} rows written to {{out.resolve()}}")
'''


def render_script(job_id: str, code: str, inputs: list[t.ExecutionInput]) -> str:
    mapping = {i.name: i.uri.removeprefix("file://") for i in inputs}
    body = code if code.endswith("\n") else code + "\n"
    return _HEADER.format(job_id=job_id, inputs=repr(mapping)) + body + _FOOTER.format()
