"""Static validation of LLM-generated PySpark / Ray code (shared by both supervisors).

The validator is a *policy and quality gate*, not the security boundary (see
docs/security-and-reliability.md §2.1): it rejects out-of-policy code early, with a
stable rule id, message, line and column per violation. Isolation, per-job credentials
and egress control remain the boundary; a bypass must only reach a disposable executor.

Design: parse once with `ast.parse`, then one iterative walk over the tree dispatching each
node to the handlers the rule modules registered for its type (`core.walk`); facts that
need the whole program (is `result` bound, which inputs were read) are judged at the end.
Identifiers are checked on the AST, where CPython has already NFKC-normalised them, and
non-ASCII identifiers are rejected outright. Imports use an allowlist.

Public API::

    validate_spark(code, *, input_names=(), tables=(), workflow=None, max_code_chars=100_000)
    validate_ray(code, *, input_names=(), tables=(), workflow=None, max_code_chars=100_000)
    code_sha256(code)
    Violation, ValidationResult, Workflow, RULES

`workflow=None` derives it: tables given -> CATALOG, input_names given -> CSV, else NONE.
`ValidationResult.valid` is False iff any violation has severity "error" (warnings do not
reject). Violations are sorted by (line, column, rule_id); line/column are 1-based.

Decisions (tolerated vs rejected):
* `SparkSession.builder[.appName(..)].getOrCreate()`, `SparkSession.getActiveSession()` and
  `SparkSession.active()` are tolerated (return the provided session); `.master/.config/.remote/
  .enableHiveSupport/.create`, `SparkSession(...)`, `newSession()` are `contract.session-created`.
* Python UDFs (`udf`, `pandas_udf`, `udtf`, `mapInPandas`, `applyInPandas`, `foreach`...) are
  rejected (`safety.udf`) for now; built-in `pyspark.sql.functions` only.
* `spark.sql` is allowed only with a literal single SELECT/WITH statement whose FROM/JOIN
  relations are selected catalog tables (catalog workflow), temp views created in the code
  (`createOrReplaceTempView("v")`) or CTEs; DDL/DML/SET/ADD JAR/reflect are rejected.
* `spark.conf.set/get` only for a small allowlist of harmless SQL keys (shuffle partitions,
  session time zone, ANSI, AQE...); anything else, `SparkConf` and bare `spark.conf` are
  `safety.spark-conf`.
* pandas / numpy / pyarrow may be imported in both frameworks (toPandas post-processing,
  map_batches), but their file I/O and deserialisation entry points (`pd.read_*`,
  `read_pickle`, `np.load`, `pyarrow.fs/parquet/csv`...) are `safety.library-io`, and
  pandas-only code on the Spark backend is `framework.not-pyspark`.
* Calculation-only questions (workflow NONE) may be plain Python without the framework.
* `contract.input-unused` / `contract.table-unused` are warnings (a question may need only
  some inputs); reading no input at all in a CSV/catalog workflow is `contract.no-input-read`.
* `ray.init()` with no args or only ignore_reinit_error/log_to_driver/logging_level/
  configure_logging is tolerated; any address/namespace/other kwarg is rejected.
  `ray.kill`/`ray.cancel` are allowed (only the job's own refs/handles are reachable once
  `get_actor`, named actors and `ObjectRef(...)` construction are rejected).
* The Ray backend has no catalog workflow (`workflow.catalog-unsupported`).
* Attribute names that are modules (`x.sys`, `x.os`...), private attributes other than on
  `self`/`cls` and the namedtuple API, and all dunders except `__init__`/`__name__`/
  `__qualname__` are rejected. A DataFrame column accessed as `df.os` is a false positive
  by design (use `F.col("os")`).
"""

from __future__ import annotations

from collections.abc import Collection

from .core import (
    ERROR,
    MAX_AST_DEPTH,
    WARNING,
    ValidationResult,
    Violation,
    Workflow,
    build_dispatch,
    code_sha256,
    derive_workflow,
    run,
)
from .ray import ray_rules
from .spark import spark_rules

#: Every rule id with its meaning. Ids are stable: clients and dashboards key on them.
RULES: dict[str, str] = {
    # syntax / source
    "syntax.error": "code does not parse (or is empty / not a string)",
    "syntax.too-large": "code longer than max_code_chars",
    "syntax.null-byte": "code contains a NUL byte",
    "safety.encoding-declaration": "a PEP 263 coding declaration other than utf-8",
    "safety.non-ascii-identifier": "identifier with non-ASCII (look-alike) characters",
    "safety.bidi-control": "bidirectional / invisible control characters (Trojan Source)",
    "safety.nesting-too-deep": f"parser recursion/memory error or AST deeper than {MAX_AST_DEPTH}",
    "safety.redefinition": "a top-level function/class defined twice",
    # contract
    "contract.result-not-bound": "no top-level binding of `result`",
    "contract.input-unknown": "inputs[\"x\"] / inputs.get(\"x\") with a name not in input_names",
    "contract.input-unused": "(warning) an input is never referenced",
    "contract.table-unused": "(warning) a selected table is never referenced",
    "contract.no-input-read": "CSV/catalog workflow but the code never reads data",
    "contract.inputs-modified": "`inputs` is mutated",
    "contract.reserved-name-rebound": "`spark`, `inputs` or `ray` rebound at top level",
    "contract.session-created": "a new SparkSession/builder with master/config/remote",
    "contract.spark-stop": "`.stop()` on the Spark session",
    "contract.ray-shutdown": "`ray.shutdown()`",
    "contract.writes-output": "the code writes data itself (.write, .save, saveAsTable, to_csv, write_*)",
    # framework
    "framework.not-pyspark": "Spark backend but the code does not use PySpark (e.g. pandas-only)",
    "framework.ray-in-spark": "Ray imported in Spark code",
    "framework.pyspark-in-ray": "PySpark / `spark` used in Ray code",
    "framework.not-ray": "Ray backend but the code does not use Ray",
    # workflow
    "workflow.literal-path": "literal path/URI (file:, s3:, s3a:, hdfs:, http:, /etc, ~, ..) in the code",
    "workflow.read-not-input": "a read whose path is not taken from `inputs`",
    "workflow.unsupported-source": "non-CSV reader, jdbc/url/path options, streaming, custom filesystems",
    "workflow.table-not-selected": "spark.table / SQL of a table outside the selected set (or non-literal)",
    "workflow.table-in-csv-workflow": "catalog table read in the CSV workflow",
    "workflow.file-read-in-catalog-workflow": "file read in the catalog workflow",
    "workflow.read-in-none-workflow": "any read in a calculation-only (NONE) workflow",
    "workflow.sql-not-allowed": "spark.sql with a non-literal, non-SELECT or multi-statement query",
    "workflow.catalog-api": "spark.catalog / global temp views",
    "workflow.catalog-unsupported": "catalog workflow requested on the Ray backend",
    # safety (shared)
    "safety.forbidden-import": "import (or module attribute such as x.sys / x.os) not on the allowlist",
    "safety.forbidden-call": "eval/exec/compile/open/__import__/input/help/breakpoint/globals/locals/"
                             "vars/dir/exit/quit/memoryview, pandas .eval()/.query()",
    "safety.dunder-access": "dunder attribute/name/string (__class__, __subclasses__, __globals__...)",
    "safety.private-attribute": "_private attribute access outside self/cls",
    "safety.introspection": "frame / generator / code internals (gi_frame, f_globals, tb_frame, mro...)",
    "safety.dynamic-attribute": "getattr/hasattr with a computed name; setattr/delattr; attrgetter/methodcaller",
    "safety.format-string": "str.format / format_map / string.Formatter attribute walking",
    "safety.dynamic-code": "type() with 3 args, FunctionType/CodeType, make_dataclass, metaclasses",
    "safety.monkeypatch": "assigning attributes of imported modules, spark, ray or inputs",
    "safety.library-io": "pandas/numpy/pyarrow file I/O or deserialisation",
    "safety.sql-reflection": "reflect()/java_method()/call_function in SQL strings or functions",
    "safety.resource-abuse": "resource abuse visible in the source: `while True` that never leaves, long sleeps, "
                             "huge constant repetitions/powers, regexes with nested quantifiers",
    # safety (Spark)
    "safety.py4j-escape": "sparkContext, sc, SparkContext, _jvm, _jsc, _jsparkSession, _gateway, _j*",
    "safety.rdd-api": ".rdd, parallelize, RDD API",
    "safety.dependency-injection": "addPyFile/addFile/addJar/addArtifact(s)/copyFromLocalToFs",
    "safety.spark-conf": "spark.conf outside the allowlist, SparkConf, sensitive config keys",
    "safety.udf": "udf/pandas_udf/udtf/mapInPandas/applyInPandas/foreach(Partition)",
    "safety.spark-session-api": "interruptAll/addTag/newSession/setLogLevel/Spark Connect client",
    # safety (Ray)
    "safety.runtime-env": "runtime_env anywhere (kwarg, string, RuntimeEnv), **kwargs into options",
    "safety.ray-init-address": "ray.init with address/namespace/other options",
    "safety.ray-client": "ray.util.client / Ray client",
    "safety.ray-runtime-context": "ray.get_runtime_context()",
    "safety.ray-jobs-api": "ray.job_submission / JobSubmissionClient / dashboard",
    "safety.ray-state-api": "ray.util.state (list jobs/actors of others)",
    "safety.ray-named-actor": "ray.get_actor, name=/namespace=/lifetime= actors",
    "safety.ray-api": "other ray.* internals (ray._private, ray.worker, ray.serve...) or ObjectRef(...)",
}

_SPARK_RULES = tuple(spark_rules())
_SPARK_DISPATCH = build_dispatch(_SPARK_RULES)
_RAY_RULES = tuple(ray_rules())
_RAY_DISPATCH = build_dispatch(_RAY_RULES)


def validate_spark(
    code: str,
    *,
    input_names: Collection[str] = (),
    tables: Collection[str] = (),
    workflow: Workflow | None = None,
    max_code_chars: int = 100_000,
) -> ValidationResult:
    """Validate PySpark code for the Spark backend (EMR Serverless / Lambda)."""
    return run(code, framework="spark", rules=_SPARK_RULES, dispatch=_SPARK_DISPATCH,
               input_names=input_names, tables=tables, workflow=workflow, max_code_chars=max_code_chars)


def validate_ray(
    code: str,
    *,
    input_names: Collection[str] = (),
    tables: Collection[str] = (),
    workflow: Workflow | None = None,
    max_code_chars: int = 100_000,
) -> ValidationResult:
    """Validate Ray code for the KubeRay backend."""
    return run(code, framework="ray", rules=_RAY_RULES, dispatch=_RAY_DISPATCH,
               input_names=input_names, tables=tables, workflow=workflow, max_code_chars=max_code_chars)


__all__ = [
    "ERROR", "WARNING", "RULES", "ValidationResult", "Violation", "Workflow", "code_sha256",
    "derive_workflow", "validate_ray", "validate_spark",
]
