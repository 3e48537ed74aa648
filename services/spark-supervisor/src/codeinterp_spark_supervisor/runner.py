"""Engine-side runner: the one runtime contract for generated Spark code.

Contract (identical locally, on Lambda and on EMR): the code gets a ready ``spark``
session and ``inputs`` (logical name -> path for CSV/Parquet files, or ``"db.table"`` for
catalog tables, which ``spark.table("db.table")`` also resolves), and binds its answer to
``result``: a Spark DataFrame (a pandas DataFrame is accepted and converted), or a
scalar / list / dict / Row for calculation-only questions.

The runner binds inputs, runs the code, writes the outputs and a result manifest:

* ``<job_dir>/output/result.parquet/`` (Spark's part files) and ``<job_dir>/output/result.csv``
  (one file with a header, streamed from the Parquet files with pyarrow);
* ``<job_dir>/manifest.json``: a dict with exactly the field names of
  ``codeinterp.common.v1.ResultManifest`` (parsable with ``json_format.ParseDict``);
* ``<job_dir>/outcome.json``: ``{ok, manifest, error, error_class, failing_line,
  traceback_tail, timings, engine}``.

Decisions (documented for the consumers):

* Row count is exact: the sum of ``num_rows`` of the Parquet footers (no second Spark job).
  The preview is the first N rows in part-file order (= the DataFrame's order when sorted).
  The schema comes from the Spark schema stored in the Parquet footer.
* Preview cells are JSON-safe: dates/timestamps -> ISO 8601 strings (timestamps are UTC),
  decimals -> strings (exact), bytes -> base64, NaN/Infinity -> the strings
  ``"NaN"``/``"Infinity"``/``"-Infinity"``, maps -> objects (string keys) or [key, value] lists.
* Scalar results: ``manifest.scalar`` holds the value, ``row_count`` is 1, ``schema``,
  ``preview_rows`` and ``files`` are empty and ``complete`` is true. A list result is one
  scalar (a JSON list), not a table.
* Output cap: Parquet + CSV bytes together; when exceeded the outputs are deleted and the
  run fails with error class RESOURCE.

Importing this module starts nothing (no JVM, no Spark import at module level).
"""

from __future__ import annotations

import argparse
import base64
import datetime as _dt
import decimal
import io
import json
import math
import os
import re
import shutil
import sys
import time
import traceback
from pathlib import Path
from typing import Any

CODE_FILENAME = "<job-code>"
DEFAULT_PREVIEW_ROWS = 100
DEFAULT_MAX_OUTPUT_BYTES = 1 << 30
TAIL_BYTES = 16 * 1024
MAX_SCALAR_JSON_BYTES = 1 << 20
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# -------------------------------------------------------------------------- errors


class RunnerError(Exception):
    """A failure the runner itself detects, with its error class."""

    def __init__(self, message: str, error_class: str):
        super().__init__(message)
        self.error_class = error_class


_RESOURCE_PAT = re.compile(
    r"Java heap space|OutOfMemoryError|GC overhead limit|No space left on device|"
    r"Cannot allocate memory|SparkOutOfMemoryError|UNABLE_TO_ACQUIRE_MEMORY|File too large",
    re.I,
)
_PERMISSION_PAT = re.compile(
    r"AccessDenied|Access Denied|Permission denied|PERMISSION_DENIED|Forbidden|Mkdirs failed to create", re.I
)
_DATA_PAT = re.compile(
    r"MALFORMED_RECORD|Malformed (?:CSV )?record|FAILFAST|CANNOT_PARSE|CAST_INVALID_INPUT|"
    r"NumberFormatException|UNABLE_TO_INFER_SCHEMA|Unable to infer schema|empty input|"
    r"INVALID_DATE|CANNOT_PARSE_TIMESTAMP|ARITHMETIC_OVERFLOW|DIVIDE_BY_ZERO|EmptyDataError",
    re.I,
)
_INFRA_PAT = re.compile(
    r"StatusCode\.UNAVAILABLE|failed to connect to all addresses|Connection refused", re.I
)


def classify_error(exc: BaseException) -> str:
    """Map an exception to an ErrorClass name (CODE, DATA, RESOURCE, PERMISSION, TIMEOUT, ...)."""
    if isinstance(exc, RunnerError):
        return exc.error_class
    text = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, MemoryError) or _RESOURCE_PAT.search(text):
        return "RESOURCE"
    if isinstance(exc, PermissionError) or _PERMISSION_PAT.search(text):
        return "PERMISSION"
    if isinstance(exc, TimeoutError):
        return "TIMEOUT"
    if _DATA_PAT.search(text):
        return "DATA"
    if _INFRA_PAT.search(text):
        return "INFRASTRUCTURE"
    return "CODE"


def _failing_line(exc: BaseException) -> int | None:
    if isinstance(exc, SyntaxError) and exc.filename == CODE_FILENAME:
        return exc.lineno
    line = None
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_filename == CODE_FILENAME:
            line = lineno
    return line


def error_record(exc: BaseException, *, limit: int = 4000) -> dict:
    msg = f"{type(exc).__name__}: {exc}"
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return {
        "error": msg[:2000],
        "error_class": classify_error(exc),
        "traceback_tail": tb[-limit:],
        "failing_line": _failing_line(exc),
    }


# -------------------------------------------------------------------------- capture


class TailBuffer(io.TextIOBase):
    """Keeps the last ``limit`` characters written; optionally tees to another stream."""

    def __init__(self, limit: int = TAIL_BYTES, tee=None):
        self._parts: list[str] = []
        self._size = 0
        self._limit = limit
        self._tee = tee

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        if not isinstance(s, str):
            s = str(s)
        self._parts.append(s)
        self._size += len(s)
        if self._size > 4 * self._limit:
            joined = "".join(self._parts)[-self._limit :]
            self._parts, self._size = [joined], len(joined)
        if self._tee is not None:
            try:
                self._tee.write(s)
                self._tee.flush()
            except Exception:  # noqa: BLE001
                pass
        return len(s)

    def flush(self) -> None:
        pass

    def value(self) -> str:
        return "".join(self._parts)[-self._limit :]


# -------------------------------------------------------------------------- JSON-safe values


def json_safe(v: Any) -> Any:
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
        return v
    if isinstance(v, decimal.Decimal):
        return str(v)
    if isinstance(v, (_dt.datetime, _dt.date, _dt.time)):
        return v.isoformat()
    if isinstance(v, _dt.timedelta):
        return v.total_seconds()
    if isinstance(v, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(v)).decode("ascii")
    if hasattr(v, "asDict"):  # pyspark Row
        return {k: json_safe(x) for k, x in v.asDict(recursive=True).items()}
    if isinstance(v, dict):
        if all(isinstance(k, str) for k in v):
            return {k: json_safe(x) for k, x in v.items()}
        return [[json_safe(k), json_safe(x)] for k, x in v.items()]
    if isinstance(v, (list, tuple, set, frozenset)):
        items = list(v)
        if items and all(isinstance(i, tuple) and len(i) == 2 for i in items) and isinstance(v, list):
            pass  # arrow maps come as lists of (key, value) tuples; keep as pairs
        return [json_safe(x) for x in items]
    if hasattr(v, "item") and callable(v.item):  # numpy scalars
        try:
            return json_safe(v.item())
        except Exception:  # noqa: BLE001
            pass
    if hasattr(v, "tolist"):
        return json_safe(v.tolist())
    return str(v)


def _duration(seconds: float) -> str:
    return f"{max(seconds, 0.0):.6f}s"


# -------------------------------------------------------------------------- catalog tables


def _sql_str(s: str) -> str:
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"


def split_table_name(name: str) -> tuple[str, str]:
    parts = name.split(".")
    if len(parts) != 2 or not all(_IDENT.match(p) for p in parts):
        raise RunnerError(f"invalid table name {name!r}: expected db.table", "CODE")
    return parts[0], parts[1]


def register_tables(spark, tables: dict[str, dict]) -> list[str]:
    """Make ``spark.table("db.table")`` resolve to the staged data of each table input.

    Creates the database if needed and an unmanaged table over the staged files (the
    server's catalog is shared by all Connect sessions: the local executor serialises
    jobs that use the same table name and drops the table afterwards).
    """
    created = []
    dbs: set[str] = set()
    for spec in tables.values():
        db, tbl = split_table_name(spec["table"])
        if db not in dbs:
            spark.sql(f"CREATE DATABASE IF NOT EXISTS `{db}`")
            dbs.add(db)
        fmt = (spec.get("format") or "csv").lower()
        if fmt not in ("csv", "parquet", "json", "orc"):
            raise RunnerError(f"unsupported table format {fmt!r}", "DATA")
        opts = {"path": spec["path"]}
        if fmt == "csv":
            opts.update(
                header=str(spec.get("header", True)).lower(),
                delimiter=spec.get("delimiter") or ",",
                inferSchema="true",
                encoding=spec.get("encoding") or "utf-8",
            )
            if spec.get("quote"):
                opts["quote"] = spec["quote"]
        opt_sql = ", ".join(f"`{k}` {_sql_str(str(v))}" for k, v in opts.items())
        spark.sql(f"DROP TABLE IF EXISTS `{db}`.`{tbl}`")
        spark.sql(f"CREATE TABLE `{db}`.`{tbl}` USING {fmt} OPTIONS ({opt_sql})")
        created.append(f"{db}.{tbl}")
    return created


def drop_tables(spark, names: list[str]) -> None:
    for name in names:
        try:
            db, tbl = split_table_name(name)
            spark.sql(f"DROP TABLE IF EXISTS `{db}`.`{tbl}`")
        except Exception:  # noqa: BLE001
            pass


# -------------------------------------------------------------------------- outputs


def _is_spark_df(obj) -> bool:
    mod = type(obj).__module__
    return type(obj).__name__ == "DataFrame" and mod.startswith("pyspark.sql")


def _is_pandas_df(obj) -> bool:
    return type(obj).__name__ == "DataFrame" and type(obj).__module__.startswith("pandas")


def _part_files(d: Path) -> list[Path]:
    if not d.exists():
        return []
    return sorted(
        p for p in d.rglob("*") if p.is_file() and not p.name.startswith((".", "_")) and p.stat().st_size >= 0
    )


def _tree_size(d: Path) -> int:
    if d.is_file():
        return d.stat().st_size
    return sum(p.stat().st_size for p in d.rglob("*") if p.is_file())


def _remove(p: Path) -> None:
    try:
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        elif p.exists():
            p.unlink()
    except OSError:
        pass


_SPARK_TYPE_NAMES = {
    "long": "long",
    "integer": "integer",
    "short": "short",
    "byte": "byte",
    "double": "double",
    "float": "float",
    "string": "string",
    "boolean": "boolean",
    "date": "date",
    "timestamp": "timestamp",
    "timestamp_ntz": "timestamp_ntz",
    "binary": "binary",
    "null": "null",
}


def _spark_json_type(t) -> str:
    if isinstance(t, str):
        return _SPARK_TYPE_NAMES.get(t, t)
    kind = t.get("type")
    if kind == "array":
        return f"array<{_spark_json_type(t['elementType'])}>"
    if kind == "map":
        return f"map<{_spark_json_type(t['keyType'])},{_spark_json_type(t['valueType'])}>"
    if kind == "struct":
        return "struct<" + ",".join(f"{f['name']}:{_spark_json_type(f['type'])}" for f in t["fields"]) + ">"
    return str(kind)


def _arrow_type_name(t) -> str:
    import pyarrow as pa

    if pa.types.is_int64(t):
        return "long"
    if pa.types.is_int32(t):
        return "integer"
    if pa.types.is_floating(t):
        return "double" if pa.types.is_float64(t) else "float"
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return "string"
    if pa.types.is_boolean(t):
        return "boolean"
    if pa.types.is_date(t):
        return "date"
    if pa.types.is_timestamp(t):
        return "timestamp"
    if pa.types.is_decimal(t):
        return f"decimal({t.precision},{t.scale})"
    return str(t)


def _spark_name_of_arrow(t) -> str:
    """Spark's simple type name for an Arrow type produced by Spark (toArrow)."""
    import pyarrow as pa

    if pa.types.is_int8(t):
        return "byte"
    if pa.types.is_int16(t):
        return "short"
    if pa.types.is_timestamp(t):
        return "timestamp" if t.tz else "timestamp_ntz"
    if pa.types.is_binary(t) or pa.types.is_large_binary(t):
        return "binary"
    if pa.types.is_null(t):
        return "null"
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return f"array<{_spark_name_of_arrow(t.value_type)}>"
    if pa.types.is_map(t):
        return f"map<{_spark_name_of_arrow(t.key_type)},{_spark_name_of_arrow(t.item_type)}>"
    if pa.types.is_struct(t):
        return "struct<" + ",".join(f"{f.name}:{_spark_name_of_arrow(f.type)}" for f in t) + ">"
    return _arrow_type_name(t)


def _schema_from_parquet(pf) -> list[dict]:
    md = pf.schema_arrow.metadata or {}
    raw = md.get(b"org.apache.spark.sql.parquet.row.metadata")
    if raw:
        try:
            fields = json.loads(raw)["fields"]
            return [{"name": f["name"], "type": _spark_json_type(f["type"])} for f in fields]
        except (ValueError, KeyError):
            pass
    return [{"name": f.name, "type": _arrow_type_name(f.type)} for f in pf.schema_arrow]


#: CSV injection (OWASP "CSV Injection", security-and-reliability.md §3 case 35): a text cell
#: starting with one of these is read as a formula by spreadsheets; the CSV download gets a
#: leading `'`. Plain numbers ("-5", "+1.5e3") are left alone: they cannot be formulas.
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


def _csv_safe_table(tbl):
    """The table as it goes to CSV: nested columns rendered as JSON text, text cells neutralised."""
    import pyarrow as pa

    cols = []
    for i, f in enumerate(tbl.schema):
        col = tbl.column(i)
        if pa.types.is_nested(f.type) or pa.types.is_binary(f.type):
            vals = [None if v is None else json.dumps(json_safe(v)) for v in col.to_pylist()]
            col = pa.array(vals, type=pa.string())
        cols.append(col)
    return csv_neutralise_table(pa.Table.from_arrays(cols, names=tbl.schema.names))


#: Results up to this many rows are collected once as Arrow and written by pyarrow, which
#: saves a Spark write job (most of a small job's time); larger ones are written by Spark.
SMALL_RESULT_ROWS = 10_000


def _write_small(df, out_dir: Path, *, preview_rows: int, max_output_bytes: int) -> dict | None:
    """One Spark job (`limit(N+1)` to Arrow): the manifest when the result is small, else None."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    table = df.limit(SMALL_RESULT_ROWS + 1).toArrow()
    if table.num_rows > SMALL_RESULT_ROWS:
        return None
    if table.nbytes > max_output_bytes:
        raise RunnerError(
            f"output size cap exceeded: the result is {table.nbytes} bytes > cap {max_output_bytes}", "RESOURCE"
        )
    # The schema comes from the Arrow result itself: asking Spark for `df.schema` would analyse
    # the plan again, which re-reads the input when the code used inferSchema=True.
    schema = [{"name": f.name, "type": _spark_name_of_arrow(f.type)} for f in table.schema]
    pq_dir = out_dir / "result.parquet"
    pq_dir.mkdir(parents=True, exist_ok=True)
    part = pq_dir / "part-00000.parquet"
    csv_path = out_dir / "result.csv"
    try:
        pq.write_table(table, str(part))
        with open(csv_path, "wb") as sink:
            pacsv.write_csv(_csv_safe_table(table), sink)
        if part.stat().st_size + csv_path.stat().st_size > max_output_bytes:
            raise RunnerError(f"output size cap exceeded: Parquet + CSV output > cap {max_output_bytes} bytes", "RESOURCE")
    except BaseException:
        _remove(csv_path)
        _remove(pq_dir)
        raise
    preview = [[json_safe(v) for v in row.values()] for row in table.slice(0, preview_rows).to_pylist()]
    return {
        "schema": schema,
        "row_count": table.num_rows,
        "preview_rows": preview,
        "complete": table.num_rows <= len(preview),
        "files": [
            {"uri": str(part), "format": "parquet", "size_bytes": part.stat().st_size},
            {"uri": str(csv_path), "format": "csv", "size_bytes": csv_path.stat().st_size},
        ],
    }


def write_dataframe(df, out_dir: Path, *, preview_rows: int, max_output_bytes: int) -> dict:
    """Write ``df`` as Parquet and CSV; return manifest parts. Small results: pyarrow from one
    Arrow collect; large ones: Parquet by Spark, CSV streamed from it by pyarrow."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    out_dir.mkdir(parents=True, exist_ok=True)
    small = _write_small(df, out_dir, preview_rows=preview_rows, max_output_bytes=max_output_bytes)
    if small is not None:
        return small
    pq_dir = out_dir / "result.parquet"
    csv_path = out_dir / "result.csv"
    df.write.mode("overwrite").parquet(str(pq_dir))
    parts = [p for p in _part_files(pq_dir) if p.suffix == ".parquet" or ".parquet" in p.name]
    pq_bytes = sum(p.stat().st_size for p in parts)
    if pq_bytes > max_output_bytes:
        _remove(pq_dir)
        raise RunnerError(
            f"output size cap exceeded: Parquet output is {pq_bytes} bytes > cap {max_output_bytes}",
            "RESOURCE",
        )
    files = [{"uri": str(p), "format": "parquet", "size_bytes": p.stat().st_size} for p in parts]
    row_count = 0
    schema: list[dict] | None = None
    preview: list[list] = []
    budget = max_output_bytes - pq_bytes
    writer = None
    sink = None
    try:
        for p in parts:
            pf = pq.ParquetFile(str(p))
            row_count += pf.metadata.num_rows
            if schema is None:
                schema = _schema_from_parquet(pf)
            for batch in pf.iter_batches(batch_size=65536):
                if len(preview) < preview_rows:
                    need = preview_rows - len(preview)
                    for row in batch.slice(0, need).to_pylist():
                        preview.append([json_safe(v) for v in row.values()])
                tbl = _csv_safe_table(__import__("pyarrow").Table.from_batches([batch]))
                if writer is None:
                    sink = open(csv_path, "wb")
                    writer = pacsv.CSVWriter(sink, tbl.schema)
                writer.write_table(tbl)
                if sink.tell() > budget:
                    raise RunnerError(
                        f"output size cap exceeded: Parquet + CSV output > cap {max_output_bytes} bytes",
                        "RESOURCE",
                    )
        if writer is None and parts:  # files without rows: header only
            pf = pq.ParquetFile(str(parts[0]))
            tbl = _csv_safe_table(pf.schema_arrow.empty_table())
            sink = open(csv_path, "wb")
            writer = pacsv.CSVWriter(sink, tbl.schema)
    except BaseException:
        if writer is not None:
            writer.close()
            sink.close()
            writer = None
        _remove(csv_path)
        _remove(pq_dir)
        raise
    finally:
        if writer is not None:
            writer.close()
            sink.close()
    if csv_path.exists():
        files.append({"uri": str(csv_path), "format": "csv", "size_bytes": csv_path.stat().st_size})
    if schema is None:
        schema = [{"name": f.name, "type": f.dataType.simpleString()} for f in df.schema.fields]
    return {
        "schema": schema,
        "row_count": row_count,
        "preview_rows": preview,
        "complete": row_count <= len(preview),
        "files": files,
    }


# -------------------------------------------------------------------------- run


def bind_inputs(inputs: dict[str, dict]) -> tuple[dict[str, str], dict[str, dict]]:
    """Return (what the code sees as ``inputs``, the table inputs to register)."""
    visible: dict[str, str] = {}
    tables: dict[str, dict] = {}
    for name, spec in (inputs or {}).items():
        kind = (spec.get("kind") or "csv").lower()
        if kind == "table":
            split_table_name(spec["table"])
            visible[name] = spec["table"]
            tables[name] = spec
        else:
            visible[name] = spec["path"]
    return visible, tables


def run_code(
    spark,
    code: str,
    inputs: dict[str, dict],
    out_dir: Path,
    *,
    preview_rows: int = DEFAULT_PREVIEW_ROWS,
    max_output_bytes: int = DEFAULT_MAX_OUTPUT_BYTES,
    tee: bool = False,
    register: bool = True,
) -> dict:
    """Run ``code`` against ``spark``; return the outcome dict (never raises for user errors)."""
    timings: dict[str, float] = {}
    out = TailBuffer(tee=sys.__stdout__ if tee else None)
    err = TailBuffer(tee=sys.__stderr__ if tee else None)
    outcome: dict[str, Any] = {
        "ok": False,
        "manifest": None,
        "error": None,
        "error_class": None,
        "failing_line": None,
        "traceback_tail": None,
    }
    registered: list[str] = []
    t0 = time.monotonic()
    run_s = write_s = 0.0
    try:
        visible, tables = bind_inputs(inputs)
        if tables and register:
            registered = register_tables(spark, tables)
        timings["bind_s"] = time.monotonic() - t0
        glb: dict[str, Any] = {"__name__": "__job__", "spark": spark, "inputs": dict(visible)}
        t1 = time.monotonic()
        old_out, old_err = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = out, err
        try:
            compiled = compile(code, CODE_FILENAME, "exec")
            exec(compiled, glb)  # noqa: S102 - this is the point of the runner
        finally:
            sys.stdout, sys.stderr = old_out, old_err
            run_s = time.monotonic() - t1
        if "result" not in glb or glb["result"] is None:
            raise RunnerError("the code did not bind its answer to `result`", "CODE")
        result = glb["result"]
        t2 = time.monotonic()
        try:
            if _is_pandas_df(result):
                result = spark.createDataFrame(result)
            if _is_spark_df(result):
                body = write_dataframe(
                    result, out_dir, preview_rows=preview_rows, max_output_bytes=max_output_bytes
                )
                manifest = dict(body)
            else:
                value = json_safe(result)
                if len(json.dumps(value)) > MAX_SCALAR_JSON_BYTES:
                    raise RunnerError(
                        f"scalar result larger than {MAX_SCALAR_JSON_BYTES} bytes as JSON: return a DataFrame",
                        "RESOURCE",
                    )
                manifest = {
                    "schema": [],
                    "row_count": 1,
                    "preview_rows": [],
                    "complete": True,
                    "scalar": value,
                    "files": [],
                }
        finally:
            write_s = time.monotonic() - t2
        manifest["stdout_tail"] = out.value()
        manifest["stderr_tail"] = err.value()
        manifest["run_duration"] = _duration(run_s)
        manifest["write_duration"] = _duration(write_s)
        outcome.update(ok=True, manifest=manifest)
    except BaseException as exc:  # noqa: BLE001 - user code may raise anything (even SystemExit)
        if isinstance(exc, KeyboardInterrupt):
            raise
        outcome.update(error_record(exc))
        outcome["stdout_tail"] = out.value()
        outcome["stderr_tail"] = err.value()
    finally:
        if registered:
            drop_tables(spark, registered)
    timings.update(run_s=run_s, write_s=write_s, total_s=time.monotonic() - t0)
    outcome["timings"] = {k: round(v, 4) for k, v in timings.items()}
    return outcome


def write_outcome(job_dir: Path, outcome: dict) -> None:
    def dump(path: Path, obj) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(obj, default=str))
        os.replace(tmp, path)

    if outcome.get("ok") and outcome.get("manifest") is not None:
        dump(job_dir / "manifest.json", outcome["manifest"])
    dump(job_dir / "outcome.json", outcome)


def load_job(job_dir: Path) -> dict:
    return json.loads((job_dir / "job.json").read_text())


def run_job_dir(job_dir: Path, spark, *, engine: str, tee: bool = False) -> dict:
    """Run the job described by ``<job_dir>/job.json`` and write manifest/outcome files."""
    job_dir = Path(job_dir)
    try:
        job = load_job(job_dir)
        outcome = run_code(
            spark,
            job["code"],
            job.get("inputs", {}),
            job_dir / "output",
            preview_rows=int(job.get("preview_rows", DEFAULT_PREVIEW_ROWS)),
            max_output_bytes=int(job.get("max_output_bytes", DEFAULT_MAX_OUTPUT_BYTES)),
            tee=tee,
            register=bool(job.get("register_tables", True)),
        )
    except Exception as exc:  # noqa: BLE001 - malformed job.json etc.
        outcome = {"ok": False, "manifest": None, **error_record(exc)}
        outcome["error_class"] = "INFRASTRUCTURE"
    outcome["engine"] = engine
    write_outcome(job_dir, outcome)
    return outcome


# -------------------------------------------------------------------------- cold path


SESSION_CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "4",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
}


def classic_session(
    master: str = "local[2]",
    warehouse: str | None = None,
    app_name: str = "codeinterp-job",
    conf: dict[str, str] | None = None,
):
    """A classic local SparkSession (starts a JVM: cold path / EMR / Lambda only).

    ``conf`` adds or overrides Spark settings (Lambda: ``spark.local.dir`` and the Ivy cache
    under /tmp, the driver memory)."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    b = SparkSession.builder.master(master).appName(app_name)
    for k, v in {**SESSION_CONF, **(conf or {})}.items():
        b = b.config(k, v)
    if warehouse:
        b = b.config("spark.sql.warehouse.dir", warehouse)
    return b.getOrCreate()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Run one codeinterp job in a fresh local Spark (cold path).")
    ap.add_argument("--job-dir", required=True, type=Path)
    ap.add_argument("--master", default="local[2]")
    args = ap.parse_args(argv)
    t0 = time.monotonic()
    spark = classic_session(args.master, warehouse=str(args.job_dir / "warehouse"))
    t1 = time.monotonic()
    try:
        outcome = run_job_dir(args.job_dir, spark, engine="classic-local")
    finally:
        spark.stop()
    outcome.setdefault("timings", {})["session_start_s"] = round(t1 - t0, 3)
    write_outcome(args.job_dir, outcome)
    print(json.dumps({"ok": outcome["ok"], "error": outcome.get("error"), "timings": outcome["timings"]}))
    return 0 if outcome["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
