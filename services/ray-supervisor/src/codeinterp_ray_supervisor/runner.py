"""The entrypoint of every Ray job (stdlib + ray + pyarrow + pandas only).

The supervisor copies this file into the job's `runtime_env.working_dir` with `job-code.py`
(the validated body) and `job.json` ({job_id, inputs: {name: path}, preview_rows,
max_output_bytes, output_dir, shuffle}); Ray runs `python runner.py` on the head. The runner
joins the job's cluster with `ray.init()`, runs the body with `compile(code, "<job-code>", "exec")`
in a fresh namespace holding `inputs` and `ray`, materialises `result` (a Ray Dataset, a
pandas DataFrame/Series, a pyarrow Table or a plain value), writes `result.parquet` and
`result.csv` plus `manifest.json` (ResultManifest field names) to `output_dir`, or on error
`error.json` {error, error_class, failing_line, traceback_tail} and exits 1. The supervisor
reads those files once Ray reports the job ended: it never guesses from timing.

The pooled path (`pool_driver.py`) imports this module in a pre-started actor and calls
`execute()` with the same spec and code; only the way into the cluster differs.
"""

from __future__ import annotations

import base64
import collections
import datetime
import decimal
import json
import math
import os
import re
import sys
import time
import traceback
from pathlib import Path

CODE_FILE = "<job-code>"
# Not `code.py`: the working dir is on the workers' PYTHONPATH and would shadow the stdlib `code`
# module (Ray workers then fail to register and the job stays PENDING for ever).
CODE_NAME = "job-code.py"
TAIL_LINES = 100
TAIL_CHARS = 8000


class Tee:
    """Passes writes through (Ray streams them to the job log) and keeps the last lines."""

    def __init__(self, stream) -> None:
        self._stream = stream
        self._lines: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)
        self._partial = ""

    def write(self, text: str) -> int:
        self._stream.write(text)
        data = self._partial + text
        *complete, self._partial = data.split("\n")
        self._lines.extend(complete)
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def tail(self) -> str:
        lines = list(self._lines) + ([self._partial] if self._partial else [])
        return "\n".join(lines)[-TAIL_CHARS:]

    def __getattr__(self, name):
        return getattr(self._stream, name)


def seconds(value: float) -> str:
    return f"{value:.3f}s"


def type_name(arrow_type) -> str:
    import pyarrow as pa
    import pyarrow.types as pt

    if pt.is_boolean(arrow_type):
        return "boolean"
    if pt.is_int64(arrow_type) or pt.is_uint32(arrow_type) or pt.is_uint64(arrow_type):
        return "long"
    if pt.is_integer(arrow_type):
        return "integer"
    if pt.is_float64(arrow_type):
        return "double"
    if pt.is_floating(arrow_type):
        return "float"
    if pt.is_string(arrow_type) or pt.is_large_string(arrow_type):
        return "string"
    if pt.is_decimal(arrow_type):
        return f"decimal({arrow_type.precision},{arrow_type.scale})"
    if pt.is_date(arrow_type):
        return "date"
    if pt.is_timestamp(arrow_type):
        return "timestamp"
    if pt.is_binary(arrow_type) or pt.is_large_binary(arrow_type):
        return "binary"
    if pt.is_list(arrow_type) or pt.is_large_list(arrow_type):
        return f"array<{type_name(arrow_type.value_type)}>"
    if pt.is_struct(arrow_type):
        return "struct"
    if arrow_type == pa.null():
        return "null"
    return str(arrow_type)


def json_safe(value):
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_safe(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        try:
            return json_safe(value.item())
        except (ValueError, TypeError):
            pass
    if hasattr(value, "tolist") and callable(value.tolist):  # numpy arrays
        return json_safe(value.tolist())
    return str(value)


def as_table(result):
    """A pyarrow Table for tabular results, None for plain values."""
    import pandas as pd
    import pyarrow as pa

    try:
        import ray.data

        dataset_type = ray.data.Dataset
    except ImportError:  # pragma: no cover
        dataset_type = ()
    if dataset_type and isinstance(result, dataset_type):
        import ray

        tables = [t for t in ray.get(result.to_arrow_refs())]
        if not tables:
            schema = result.schema()
            names = list(schema.names) if schema is not None else []
            types = [pa.string()] * len(names)
            try:
                types = list(schema.types)
            except Exception:  # noqa: BLE001 - non-arrow schemas
                pass
            return pa.table({n: pa.array([], type=t) for n, t in zip(names, types, strict=False)})
        return pa.concat_tables(tables, promote_options="default")
    if isinstance(result, pd.Series):
        result = result.to_frame(name=result.name if result.name is not None else "value")
    if isinstance(result, pd.DataFrame):
        frame = result
        if not isinstance(frame.index, pd.RangeIndex) or any(n is not None for n in frame.index.names):
            frame = frame.reset_index()
        frame.columns = [str(c) for c in frame.columns]
        ray_object_columns = [c for c in frame.columns if type(frame[c].dtype).__module__.startswith("ray.")]
        if ray_object_columns:
            # Ray Data's pickled-Python-object dtype (a column that mixed text and NaN inside
            # Ray Data): as plain objects, Arrow reads NaN as NULL and the text as text.
            frame = frame.astype({c: object for c in ray_object_columns})
        return pa.Table.from_pandas(frame, preserve_index=False)
    if isinstance(result, pa.RecordBatch):
        return pa.Table.from_batches([result])
    if isinstance(result, pa.Table):
        return result
    return None


#: CSV injection (OWASP "CSV Injection", security-and-reliability.md §3 case 35): a text cell
#: starting with one of these is read as a formula by spreadsheets; the CSV download gets a
#: leading `'`. Plain numbers ("-5", "+1.5e3") are left alone: they cannot be formulas.
#: Same rule as the Spark runner's (this file runs on the cluster with no codeinterp imports).
CSV_FORMULA_START = r"^[=+\-@\t\r]"
CSV_PLAIN_NUMBER = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"


def csv_neutralise_cell(value: str) -> str:
    """The CSV form of one text cell (also used for header names)."""
    if value and re.match(CSV_FORMULA_START, value) and not re.fullmatch(CSV_PLAIN_NUMBER, value):
        return "'" + value
    return value


def csv_neutralise_table(tbl):
    """`tbl` with every text cell and column name neutralised for CSV; other types unchanged.

    Only the CSV file changes: Parquet, the preview and ListResultRows keep the exact values.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    cols = []
    for i, f in enumerate(tbl.schema):
        col = tbl.column(i)
        t = f.type
        if pa.types.is_dictionary(t) and (pa.types.is_string(t.value_type) or pa.types.is_large_string(t.value_type)):
            col = pc.cast(col, t.value_type)
            t = t.value_type
        if (pa.types.is_string(t) or pa.types.is_large_string(t)) and len(col):
            risky = pc.and_kleene(
                pc.match_substring_regex(col, CSV_FORMULA_START),
                pc.invert(pc.match_substring_regex(col, CSV_PLAIN_NUMBER)),
            )
            col = pc.if_else(risky, pc.binary_join_element_wise(pa.scalar("'", t), col, pa.scalar("", t)), col)
        cols.append(col)
    names = [csv_neutralise_cell(n) for n in tbl.schema.names]
    return pa.Table.from_arrays(cols, names=names)


def write_outputs(table, out: Path, max_bytes: int) -> list[dict]:
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    if max_bytes and table.nbytes > max_bytes:
        raise ResultTooLarge(f"the result holds {table.nbytes} bytes; the limit is {max_bytes}")
    files = []
    parquet = out / "result.parquet"
    pq.write_table(table, parquet)
    files.append({"uri": str(parquet), "format": "parquet", "size_bytes": parquet.stat().st_size})
    csv = out / "result.csv"
    try:
        pcsv.write_csv(csv_neutralise_table(table), csv)
        files.append({"uri": str(csv), "format": "csv", "size_bytes": csv.stat().st_size})
    except Exception as exc:  # noqa: BLE001 - nested types have no CSV form; Parquet still holds them
        print(f"no CSV output: {type(exc).__name__}: {exc}", file=sys.stderr)
        csv.unlink(missing_ok=True)
    return files


class ResultTooLarge(Exception):
    pass


class NoResult(Exception):
    pass


def classify(exc: BaseException) -> str:
    cause = getattr(exc, "cause", None) or exc  # RayTaskError wraps the task's exception
    names = {c.__name__ for c in type(cause).__mro__} | {c.__name__ for c in type(exc).__mro__}
    if isinstance(cause, ResultTooLarge) or names & {
        "MemoryError", "OutOfMemoryError", "ObjectStoreFullError", "OutOfDiskError", "ObjectLostError",
    }:
        return "RESOURCE"
    if names & {"PermissionError"}:
        return "PERMISSION"
    if names & {"GetTimeoutError", "TimeoutError"}:
        return "TIMEOUT"
    if names & {"FileNotFoundError", "ArrowInvalid", "UnicodeDecodeError", "ParserError", "EmptyDataError",
                "ArrowTypeError"}:
        return "DATA"
    if names & {"RaySystemError", "NodeDiedError", "WorkerCrashedError", "RuntimeEnvSetupError",
                "ActorDiedError", "RayActorError"}:
        return "INFRASTRUCTURE"
    return "CODE"


def failing_line(exc: BaseException, text: str) -> int:
    if isinstance(exc, SyntaxError) and exc.filename == CODE_FILE:
        return exc.lineno or 0
    lines = re.findall(r'File "' + re.escape(CODE_FILE) + r'", line (\d+)', text)
    return int(lines[-1]) if lines else 0


def describe(exc: BaseException) -> str:
    cause = getattr(exc, "cause", None)
    target = cause if isinstance(cause, BaseException) else exc
    message = f"{type(target).__name__}: {target}".strip()
    return message if len(message) <= 2000 else message[:2000] + "…"


def write_json(path: Path, data: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, default=str))
    os.replace(tmp, path)


def configure_data(spec: dict) -> None:
    """Ray Data settings for this job (`spec["shuffle"]`, chosen by the supervisor).

    `sort`: the pull-based sort shuffle for groupby/sort/join. Ray 2.60's default hash shuffle
    starts up to 200 aggregator actors per shuffle, which on a small cluster costs 10-20 s for
    a group-by of a few thousand rows (0.2 s with the sort shuffle on the same warm driver);
    the supervisor asks for `sort` when the job's inputs are small. `default` keeps Ray's.
    Progress bars are off: they are noise in a job log."""
    import ray.data

    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    if spec.get("shuffle") == "sort":
        from ray.data.context import ShuffleStrategy

        ctx._shuffle_strategy = ShuffleStrategy.SORT_SHUFFLE_PULL_BASED
        ctx.default_hash_shuffle_parallelism = 2


def execute(spec: dict, code: str, *, init=None) -> int:
    """Runs one job: `code` with `spec` (job.json's fields); writes manifest.json or error.json
    to spec["output_dir"]. `init` joins the cluster (the Jobs API driver calls `ray.init()`;
    a pooled actor is already part of the cluster and passes None). 0 on success, 1 on error."""
    out = Path(spec["output_dir"])
    out.mkdir(parents=True, exist_ok=True)
    for stale in ("manifest.json", "error.json"):
        (out / stale).unlink(missing_ok=True)
    stdout, stderr = Tee(sys.stdout), Tee(sys.stderr)
    sys.stdout, sys.stderr = stdout, stderr
    stage = "start"
    try:
        stage = "compile"
        compiled = compile(code, CODE_FILE, "exec")
        stage = "init"
        import ray

        if init is not None:
            init()
        if "data" in code:  # importing Ray Data costs seconds: only for code that may use it
            configure_data(spec)
        namespace = {"__name__": "__main__", "__builtins__": __builtins__, "inputs": dict(spec.get("inputs", {})),
                     "ray": ray}
        stage = "run"
        started = time.perf_counter()
        exec(compiled, namespace)  # noqa: S102 - validated code, contained by the job's process
        if "result" not in namespace:
            raise NoResult("the code did not bind `result`")
        result = namespace["result"]
        table = as_table(result)
        run_s = time.perf_counter() - started
        stage = "write"
        write_start = time.perf_counter()
        preview = int(spec.get("preview_rows") or 100)
        manifest: dict = {"schema": [], "row_count": 0, "preview_rows": [], "complete": True, "files": []}
        if table is None:
            manifest["scalar"] = json_safe(result)
        else:
            manifest["schema"] = [{"name": f.name, "type": type_name(f.type)} for f in table.schema]
            manifest["row_count"] = table.num_rows
            rows = table.slice(0, preview).to_pylist()
            manifest["preview_rows"] = [[json_safe(v) for v in r.values()] for r in rows]
            manifest["complete"] = table.num_rows <= preview
            manifest["files"] = write_outputs(table, out, int(spec.get("max_output_bytes") or 0))
        sys.stdout.flush()
        manifest["stdout_tail"] = stdout.tail()
        manifest["stderr_tail"] = stderr.tail()
        manifest["run_duration"] = seconds(run_s)
        manifest["write_duration"] = seconds(time.perf_counter() - write_start)
        write_json(out / "manifest.json", manifest)
        return 0
    except BaseException as exc:  # noqa: BLE001 - every failure is reported in error.json
        if isinstance(exc, SystemExit) and not exc.code:
            exc = NoResult("the code called exit() before binding `result`")
        text = "".join(traceback.format_exception(exc))
        error_class = "INFRASTRUCTURE" if stage == "init" else (
            "CODE" if isinstance(exc, (SyntaxError, NoResult)) else classify(exc))
        if isinstance(exc, KeyboardInterrupt):
            error_class = "CANCELLED_BY_USER"
        write_json(out / "error.json", {
            "error": describe(exc),
            "error_class": error_class,
            "failing_line": failing_line(exc, text),
            "traceback_tail": text[-4000:],
            "stdout_tail": stdout.tail(),
            "stderr_tail": stderr.tail(),
            "stage": stage,
        })
        stderr._stream.write(text)
        return 1
    finally:
        sys.stdout, sys.stderr = stdout._stream, stderr._stream


def main() -> int:
    """The Jobs API entrypoint: job.json and job-code.py sit next to this file."""
    here = Path(__file__).resolve().parent
    spec = json.loads((here / "job.json").read_text())
    code = (here / CODE_NAME).read_text()

    def init() -> None:
        import ray

        ray.init(log_to_driver=True)

    return execute(spec, code, init=init)


if __name__ == "__main__":
    sys.exit(main())
