"""``Export``: render generated code as a standalone PySpark script.

The script creates its own SparkSession, binds ``inputs`` to concrete paths (and registers
catalog-table inputs so ``spark.table("db.table")`` resolves), runs the code body verbatim,
and writes ``result`` (Parquet + CSV for a DataFrame, printed JSON for a scalar) to an
output directory. It depends on nothing from codeinterp: ``pip install pyspark`` and
``python script.py [--output DIR] [--master local[*]]``.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Mapping
from typing import Any

_TEMPLATE = '''\
#!/usr/bin/env python3
"""{title}

Exported by codeinterp. Requires: pip install pyspark (Java 17+).
Run: python {filename} [--output DIR] [--master local[*]]
"""
import argparse
import json
import os

from pyspark.sql import SparkSession

parser = argparse.ArgumentParser()
parser.add_argument("--output", default={output!r})
parser.add_argument("--master", default={master!r})
args = parser.parse_args()

os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
spark = (
    SparkSession.builder.master(args.master)
    .appName({app_name!r})
    .config("spark.ui.showConsoleProgress", "false")
    .config("spark.sql.shuffle.partitions", "4")
    .config("spark.sql.session.timeZone", "UTC")
    .getOrCreate()
)

# Inputs: logical name -> concrete location (edit these to run on other data).
inputs = {inputs_literal}

# Catalog tables used by the code, registered over their data files.
TABLES = {tables_literal}
for _name, _t in TABLES.items():
    _db, _tbl = _t["table"].split(".")
    spark.sql(f"CREATE DATABASE IF NOT EXISTS `{{_db}}`")
    _opts = {{"path": _t["path"]}}
    if _t["format"] == "csv":
        _opts.update(header=str(_t["header"]).lower(), delimiter=_t["delimiter"], inferSchema="true")
    _opt_sql = ", ".join("`%s` '%s'" % (k, str(v).replace("\\\\", "\\\\\\\\").replace("'", "\\\\'")) for k, v in _opts.items())
    spark.sql(f"DROP TABLE IF EXISTS `{{_db}}`.`{{_tbl}}`")
    spark.sql(f"CREATE TABLE `{{_db}}`.`{{_tbl}}` USING {{_t['format']}} OPTIONS ({{_opt_sql}})")

result = None
# ---- generated code (verbatim) ----------------------------------------------
{body}
# ---- end of generated code ---------------------------------------------------

os.makedirs(args.output, exist_ok=True)
if result is None:
    raise SystemExit("the code did not bind `result`")
if type(result).__name__ == "DataFrame" and type(result).__module__.startswith("pandas"):
    result = spark.createDataFrame(result)
if type(result).__name__ == "DataFrame":
    result.write.mode("overwrite").parquet(os.path.join(args.output, "result.parquet"))
    (
        spark.read.parquet(os.path.join(args.output, "result.parquet"))
        .coalesce(1)
        .write.mode("overwrite")
        .option("header", "true")
        .csv(os.path.join(args.output, "result.csv"))
    )
    result.show(20, truncate=False)
    print("rows:", spark.read.parquet(os.path.join(args.output, "result.parquet")).count())
else:
    with open(os.path.join(args.output, "result.json"), "w") as _f:
        json.dump(result, _f, default=str)
    print(json.dumps(result, default=str))
spark.stop()
'''


def _spec_dict(spec: Any) -> dict:
    if isinstance(spec, (str, os.PathLike)):
        return {"kind": "csv", "path": str(spec)}
    if isinstance(spec, Mapping):
        return dict(spec)
    return {
        k: getattr(spec, k)
        for k in ("kind", "path", "table", "format", "delimiter", "header", "encoding")
        if hasattr(spec, k)
    }


def render_standalone_script(
    code: str,
    inputs: Mapping[str, Any] | None = None,
    *,
    output_dir: str = "codeinterp_output",
    master: str = "local[*]",
    app_name: str = "codeinterp-export",
    title: str = "Standalone PySpark job",
    filename: str = "script.py",
) -> str:
    """Render ``code`` (the generated body binding ``result``) as a runnable script.

    ``inputs`` maps logical names to a path, a dict or an ``InputSpec``-like object
    (``kind`` csv/parquet/table, ``path``, ``table``, ``format``, ``delimiter``, ``header``).
    """
    visible: dict[str, str] = {}
    tables: dict[str, dict] = {}
    for name, spec in (inputs or {}).items():
        d = _spec_dict(spec)
        kind = (d.get("kind") or "csv").lower()
        if kind == "table":
            visible[name] = d["table"]
            tables[name] = {
                "table": d["table"],
                "path": str(d.get("path") or ""),
                "format": (d.get("format") or "csv").lower(),
                "header": bool(d.get("header", True)),
                "delimiter": d.get("delimiter") or ",",
            }
        else:
            visible[name] = str(d["path"])
    body = textwrap.dedent(code).strip("\n")
    compile(body, "<generated>", "exec")  # fail early on a broken body
    return _TEMPLATE.format(
        title=title.replace('"""', "'''"),
        filename=filename,
        output=output_dir,
        master=master,
        app_name=app_name,
        inputs_literal=_pretty(visible),
        tables_literal=_pretty(tables),
        body=body,
    )


def _pretty(obj: dict) -> str:
    if not obj:
        return "{}"
    import pprint

    return pprint.pformat(obj, width=100, sort_dicts=True)
