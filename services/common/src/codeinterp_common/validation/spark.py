"""PySpark validator: Spark escape hatches (Py4J, RDD, UDFs, conf, dependency injection),
session contract, framework and workflow (CSV / catalog / none) rules."""

from __future__ import annotations

import ast
import re

from .contract import ContractRule, check_read_arg, finish_contract, input_derived
from .core import Context, Handler, Read, Rule, Workflow, chain, const_str, kwarg
from .safety import _SQL_REFLECTION as SQL_REFLECTION_RE
from .safety import COMMON_MODULES, DATAFRAME_MODULES, SafetyRule

SPARK_MODULES = COMMON_MODULES | DATAFRAME_MODULES | frozenset({
    "pyspark", "pyspark.sql", "pyspark.sql.functions", "pyspark.sql.types", "pyspark.sql.window",
    "pyspark.sql.column", "pyspark.sql.dataframe", "pyspark.sql.session", "pyspark.sql.utils",
    "pyspark.errors", "pyspark.sql.group",
})

_PY4J = ("safety.py4j-escape", "Py4J/SparkContext access gives full JVM access")
_RDD = ("safety.rdd-api", "the RDD API is not allowed (use DataFrames)")
_UDF = ("safety.udf", "Python UDFs / pandas functions run arbitrary Python on executors; "
        "use built-in pyspark.sql.functions")
_DEP = ("safety.dependency-injection", "adding files, jars or artifacts to the cluster is not allowed")
_CONF = ("safety.spark-conf", "Spark/Hadoop configuration objects are not allowed")
_REFL = ("safety.sql-reflection", "SQL reflection calls Java methods on the cluster")
_SESSION_API = ("safety.spark-session-api", "this SparkSession API is not allowed in generated code")
_STREAM = ("workflow.unsupported-source", "streaming sources/sinks are not allowed")

SPARK_NAME_RULES: dict[str, tuple[str, str]] = {
    **{n: _PY4J for n in ("sparkContext", "SparkContext", "sc", "sqlContext", "sql_ctx", "SQLContext",
                          "HiveContext", "_jvm", "_jsc", "_jsparkSession", "_gateway", "_sc", "java_gateway",
                          "py4j", "JavaObject", "JVMView", "launch_gateway", "_active_spark_context",
                          "_activeSession", "_instantiatedSession", "JavaGateway", "SparkFiles")},
    **{n: _RDD for n in ("rdd", "RDD", "parallelize", "toJavaRDD", "javaRDD", "toJSON", "javaToPython", "mapPartitions",
                         "mapPartitionsWithIndex", "newAPIHadoopFile", "hadoopFile", "sequenceFile",
                         "pickleFile", "wholeTextFiles", "binaryFiles", "hadoopRDD")},
    **{n: _UDF for n in ("udf", "pandas_udf", "udtf", "UserDefinedFunction", "UserDefinedTableFunction",
                         "mapInPandas", "mapInArrow", "applyInPandas", "applyInArrow",
                         "applyInPandasWithState", "foreach", "foreachPartition", "foreachBatch",
                         "call_udf", "dataSource", "registerJavaFunction", "registerFunction",
                         "PandasUDFType", "arrow_udf", "pandas_api", "to_pandas_on_spark", "to_koalas")},
    **{n: _DEP for n in ("addPyFile", "addFile", "addJar", "addArchive", "addArtifact", "addArtifacts",
                         "copyFromLocalToFs", "setCheckpointDir")},
    "SparkConf": _CONF,
    **{n: _REFL for n in ("reflect", "java_method", "try_reflect", "call_function")},
    **{n: _SESSION_API for n in ("interruptAll", "interruptTag", "interruptOperation", "addTag",
                                 "removeTag", "clearTags", "newSession", "_create_shell_session",
                                 "setLogLevel", "setLocalProperty", "cancelAllJobs", "cancelJobGroup")},
    **{n: _STREAM for n in ("readStream", "writeStream", "streams", "DataStreamReader", "DataStreamWriter")},
}
SPARK_ATTR_RULES: dict[str, tuple[str, str]] = {
    "catalog": ("workflow.catalog-api", "spark.catalog lists or modifies catalog objects; use spark.table"),
    "client": ("safety.spark-session-api", "the Spark Connect client is not reachable from generated code"),
}

_PYSPARK_SUBMODULE_OK = frozenset({"sql", "errors", "StorageLevel", "Row"})
_PYSPARK_SQL_BAD = frozenset({"pandas", "streaming", "connect", "udf", "udtf", "readwriter", "context",
                              "catalog", "conf", "datasource", "worker", "plot", "observation"})


def classify_spark(dotted: str) -> tuple[str, str] | None:
    parts = dotted.split(".")
    if parts[0] == "ray":
        return ("framework.ray-in-spark", "Ray code cannot run on the Spark backend")
    if parts[0] != "pyspark" or len(parts) < 2:
        return None
    if parts[1] not in _PYSPARK_SUBMODULE_OK and parts[1] not in SPARK_NAME_RULES:
        return ("safety.forbidden-import", f"pyspark.{parts[1]} is not allowed (only pyspark.sql)")
    if parts[1] == "sql" and len(parts) > 2 and parts[2] in _PYSPARK_SQL_BAD:
        rule = "safety.udf" if parts[2] in ("udf", "udtf", "pandas", "datasource") else "safety.forbidden-import"
        return (rule, f"pyspark.sql.{parts[2]} is not allowed")
    return None


# reader methods and options ---------------------------------------------------------------
FILE_READ_METHODS = frozenset({"csv", "json", "parquet", "orc", "text", "textFile", "load", "jdbc", "xml",
                               "avro"})
_READ_REFS = FILE_READ_METHODS | {"table", "sql"}
CSV_READ_METHODS = frozenset({"csv", "load"})
_BAD_OPTION = re.compile(r"(?i)^(url|path|paths|dbtable|query|driver|user|password|prefersdecimal|"
                         r"basepath|pathglobfilter|recursivefilelookup|modifiedbefore|modifiedafter)$"
                         r"|aws|secret|token|credential|endpoint|fs\.|spark\.|hadoop|kerberos|keytab|principal")
SAFE_CONF_KEYS = frozenset({
    "spark.sql.shuffle.partitions", "spark.sql.session.timeZone", "spark.sql.ansi.enabled",
    "spark.sql.adaptive.enabled", "spark.sql.adaptive.coalescePartitions.enabled",
    "spark.sql.autoBroadcastJoinThreshold", "spark.sql.legacy.timeParserPolicy",
    "spark.sql.caseSensitive", "spark.sql.repl.eagerEval.enabled", "spark.sql.execution.arrow.pyspark.enabled",
    "spark.sql.datetime.java8API.enabled", "spark.sql.mapKeyDedupPolicy",
})
_TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$")
_READER_BUILDERS = frozenset({"format", "option", "options", "schema"})
_BUILDER_BAD = frozenset({"master", "config", "remote", "enableHiveSupport", "create"})
_BUILDER_OK = frozenset({"builder", "appName", "getOrCreate"})


#: Calls whose string arguments are Spark SQL expression text.
SQL_TEXT_FUNCS = frozenset({"expr", "selectExpr", "filter", "where"})
_STR_BUILDERS = frozenset({"join", "format", "replace", "strip", "lower", "upper", "decode", "encode",
                           "removeprefix", "removesuffix", "translate", "capitalize", "title", "swapcase",
                           "casefold", "zfill", "center", "ljust", "rjust", "lstrip", "rstrip", "expandtabs"})


def computed_sql_text(node: ast.AST) -> str | None:
    """Why `node` is SQL text computed at run time (None for literals, f-strings, names, columns).

    f-strings are tolerated (benign code interpolates column names); their literal parts and
    constant interpolations are checked like any string constant."""
    if isinstance(node, ast.Starred):
        node = node.value
    if isinstance(node, ast.JoinedStr):
        text = "".join(
            v.value if isinstance(v, ast.Constant) and isinstance(v.value, str)
            else (v.value.value if isinstance(v, ast.FormattedValue) and isinstance(v.value, ast.Constant)
                  and isinstance(v.value.value, str) else "x")
            for v in node.values)
        return "an f-string that spells reflect()/java_method()" if SQL_REFLECTION_RE.search(text) else None
    if isinstance(node, ast.Constant) or const_str(node) is not None:
        return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        sides = (node.left, node.right)
        if any(isinstance(s, (ast.Constant, ast.JoinedStr)) and isinstance(getattr(s, "value", ""), str)
               for s in sides) or any(computed_sql_text(s) for s in sides):
            return "a string built by concatenation or % formatting"
    if isinstance(node, ast.Call):
        f = node.func
        if isinstance(f, ast.Attribute) and f.attr in _STR_BUILDERS:
            return f"a string built with .{f.attr}()"
        if isinstance(f, ast.Name) and f.id in ("str", "chr", "bytes", "repr", "format"):
            return f"a string built with {f.id}()"
    if isinstance(node, ast.Subscript) and isinstance(node.value, (ast.Constant, ast.JoinedStr)):
        return "a sliced string"
    return None


def _tolerated_session(value: ast.AST) -> bool:
    """SparkSession.builder[.appName("x")].getOrCreate(), SparkSession.getActiveSession(), .active()."""
    root, parts = chain(value)
    if not (isinstance(root, ast.Name) and root.id == "SparkSession" and isinstance(value, ast.Call)):
        return False
    if parts in (["getActiveSession"], ["active"]):
        return True
    return bool(parts) and parts[0] == "builder" and parts[-1] == "getOrCreate" and set(parts) <= _BUILDER_OK


class SparkRule(Rule):
    def handlers(self) -> dict[type, Handler]:
        return {
            ast.Call: self.on_call,
            ast.Name: self.on_name,
            ast.Attribute: self.on_attribute,
            ast.Assign: self.on_assign,
            ast.Import: self.on_import,
            ast.ImportFrom: self.on_import,
        }

    def on_import(self, node: ast.Import | ast.ImportFrom, ctx: Context) -> None:
        mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
        for m in mods:
            if m.split(".")[0] == "pyspark":
                ctx.uses_spark = True
            if m.split(".")[0] in ("pandas", "numpy", "pyarrow"):
                ctx.uses_dataframe_lib = True

    def on_name(self, node: ast.Name, ctx: Context) -> None:
        if node.id == "spark" and isinstance(node.ctx, ast.Load):
            ctx.uses_spark = True
        elif node.id == "SparkSession" and id(node) not in ctx.marks and id(node) in ctx.called:
            ctx.add("contract.session-created", node, "SparkSession(...) creates a new session")

    def on_assign(self, node: ast.Assign, ctx: Context) -> None:
        if _tolerated_session(node.value):
            for t in node.targets:
                if isinstance(t, ast.Name) and t.id == "spark":
                    ctx.marks.add(id(t))

    def on_attribute(self, node: ast.Attribute, ctx: Context) -> None:
        if node.attr in _READ_REFS and id(node) not in ctx.called and isinstance(node.ctx, ast.Load):
            root, _ = chain(node)
            if not (isinstance(root, ast.Name) and root.id in ctx.aliases):
                ctx.add("workflow.read-not-input", node,
                        f".{node.attr} must be called directly (readers cannot be passed around)")
        if node.attr == "conf" and id(node) not in ctx.marks:
            ctx.add("safety.spark-conf", node,
                    "spark.conf may only be used as spark.conf.set/get(<allowed key>, ...)")

    def on_call(self, node: ast.Call, ctx: Context) -> None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else (func.id if isinstance(func, ast.Name) else "")
        if name in SQL_TEXT_FUNCS:
            for arg in [*node.args, *(kw.value for kw in node.keywords)]:
                problem = computed_sql_text(arg)
                if problem:
                    ctx.add("safety.sql-reflection", arg,
                            f"{name}() with {problem}: SQL expression text must be a literal "
                            "(computed text can hide reflect()/java_method())")
                    break
        if not isinstance(func, ast.Attribute):
            return
        attr = func.attr
        root, parts = chain(func)
        receiver_parts = parts[:-1]
        if attr in _BUILDER_BAD and (attr != "create" or "builder" in receiver_parts):
            ctx.add("contract.session-created", node,
                    f".{attr}(...) configures a new SparkSession; use the provided `spark`")
        elif attr == "stop":
            ctx.add("contract.spark-stop", node, "the code must not stop the Spark session")
        elif attr in ("set", "get", "unset", "getAll", "isModifiable") and isinstance(func.value, ast.Attribute) \
                and func.value.attr == "conf":
            ctx.marks.add(id(func.value))
            key = const_str(node.args[0]) if node.args else None
            if attr == "getAll" or key is None or key not in SAFE_CONF_KEYS:
                ctx.add("safety.spark-conf", node,
                        f"spark.conf.{attr}({key!r}) is not allowed (only {', '.join(sorted(SAFE_CONF_KEYS)[:3])}, ...)")
        elif self._is_reader_call(receiver_parts):
            self._reader_call(node, attr, receiver_parts, ctx)
        elif attr == "table":
            ctx.reads.append(Read("table", node, node.args[0] if node.args else kwarg(node, "tableName"), attr))
        elif attr in FILE_READ_METHODS and not (isinstance(root, ast.Name) and root.id in ctx.aliases):
            # `r = spark.read; r.csv(p)`: any reader-method call counts as a read
            ctx.reads.append(Read("file", node, node.args[0] if node.args else kwarg(node, "path"), attr))
        elif attr == "sql":
            ctx.reads.append(Read("sql", node, node.args[0] if node.args else kwarg(node, "sqlQuery"), attr))
        elif attr in ("createOrReplaceTempView", "createTempView", "createGlobalTempView",
                      "createOrReplaceGlobalTempView", "registerTempTable"):
            name = const_str(node.args[0]) if node.args else None
            if name:
                ctx.temp_views.add(name.lower())
            if "Global" in attr:
                ctx.add("workflow.catalog-api", node, "global temp views are shared across sessions")

    @staticmethod
    def _is_reader_call(receiver_parts: list[str]) -> bool:
        """spark.read[.format()/.option()/.options()/.schema()]* . <attr>"""
        if "read" not in receiver_parts:
            return False
        idx = len(receiver_parts) - 1 - receiver_parts[::-1].index("read")
        return all(p in _READER_BUILDERS for p in receiver_parts[idx + 1:])

    def _reader_call(self, node: ast.Call, attr: str, receiver_parts: list[str], ctx: Context) -> None:
        if attr == "format":
            fmt = const_str(node.args[0]) if node.args else None
            if fmt is None or fmt.lower() != "csv":
                ctx.add("workflow.unsupported-source", node,
                        f"spark.read.format({fmt!r}): only CSV inputs can be read")
        elif attr in ("option", "options"):
            keys: list[str | None] = []
            if attr == "option":
                keys.append(const_str(node.args[0]) if node.args else const_str(kwarg(node, "key")))
            else:
                for kw in node.keywords:
                    if kw.arg is None:
                        if isinstance(kw.value, ast.Dict):
                            keys.extend(const_str(k) if k is not None else None for k in kw.value.keys)
                        else:
                            keys.append(None)
                    else:
                        keys.append(kw.arg)
            for key in keys:
                if key is None or _BAD_OPTION.search(key):
                    ctx.add("workflow.unsupported-source", node,
                            f"reader option {key!r} is not allowed (only CSV parsing options)")
        elif attr in FILE_READ_METHODS:
            ctx.reads.append(Read("file", node, node.args[0] if node.args else kwarg(node, "path"), attr))
        elif attr == "table":
            ctx.reads.append(Read("table", node, node.args[0] if node.args else kwarg(node, "tableName"), attr))
        elif attr == "schema":
            pass
        else:
            ctx.add("workflow.unsupported-source", node, f"spark.read.{attr}() is not allowed")

    def finish(self, ctx: Context) -> None:
        if "ray" in ctx.imported_roots:
            pass  # reported at the import by classify_spark
        if not ctx.uses_spark:
            if ctx.uses_dataframe_lib:
                ctx.add("framework.not-pyspark", None,
                        "the code uses pandas/numpy/pyarrow but not PySpark; the Spark backend needs PySpark",
                        line=1, column=1)
            elif ctx.workflow is not Workflow.NONE:
                ctx.add("framework.not-pyspark", None, "the code does not use PySpark (`spark`)", line=1, column=1)
        for read in ctx.reads:
            self._judge_read(read, ctx)
        finish_contract(ctx, framework_label='spark.read.csv(inputs["name"], header=True)')

    def _judge_read(self, read: Read, ctx: Context) -> None:
        wf = ctx.workflow
        if read.kind == "file":
            if wf is Workflow.NONE:
                ctx.add("workflow.read-in-none-workflow", read.node, "this question has no inputs; do not read data")
            elif wf is Workflow.CATALOG:
                ctx.add("workflow.file-read-in-catalog-workflow", read.node,
                        "catalog workflow: read only the selected tables with spark.table(\"db.table\")")
            else:
                if read.method not in CSV_READ_METHODS:
                    ctx.add("workflow.unsupported-source", read.node,
                            f"spark.read.{read.method}(): CSV inputs are read with spark.read.csv")
                check_read_arg(ctx, read, 'inputs["name"]')
        elif read.kind == "table":
            if wf is Workflow.CSV:
                ctx.add("workflow.table-in-csv-workflow", read.node,
                        "CSV workflow: read inputs with spark.read.csv(inputs[...]), not catalog tables")
            elif wf is Workflow.NONE:
                ctx.add("workflow.read-in-none-workflow", read.node, "this question has no inputs; do not read data")
            else:
                self._check_table_arg(read, ctx)
        else:
            self._check_sql(read, ctx)

    def _check_table_arg(self, read: Read, ctx: Context) -> None:
        if input_derived(read.arg, ctx):
            return
        name = const_str(read.arg)
        if name is None or not isinstance(read.arg, ast.Constant):
            ctx.add("workflow.table-not-selected", read.node, "spark.table() needs a literal \"db.table\" name")
            return
        low = name.lower()
        if not _TABLE_NAME.match(name) or low not in ctx.tables:
            sel = ", ".join(sorted(ctx.tables))
            ctx.add("workflow.table-not-selected", read.arg, f"table {name!r} is not one of the selected tables ({sel})")
        else:
            ctx.used_tables.add(low)

    def _check_sql(self, read: Read, ctx: Context) -> None:
        sql = const_str(read.arg)
        if sql is None:
            ctx.add("workflow.sql-not-allowed", read.node, "spark.sql() needs a literal query string")
            return
        problem, refs = analyse_sql(sql)
        if problem:
            ctx.add("workflow.sql-not-allowed", read.node, problem)
            return
        allowed_views = ctx.temp_views
        for ref in refs:
            if ref in allowed_views:
                continue
            if "." in ref and ctx.workflow is Workflow.CATALOG and _TABLE_NAME.match(ref) and ref in ctx.tables:
                ctx.used_tables.add(ref)
                continue
            if ctx.workflow is Workflow.CSV and "." in ref:
                ctx.add("workflow.table-in-csv-workflow", read.node,
                        f"CSV workflow: SQL may only query temp views of the inputs, not {ref!r}")
            else:
                ctx.add("workflow.table-not-selected", read.node,
                        f"SQL references {ref!r}, which is neither a selected table nor a temp view")


# --------------------------------------------------------------------------- SQL analysis
_SQL_STRIP = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|--[^\n]*|/\*.*?\*/", re.S)
_SQL_TOKEN = re.compile(r"`[^`]*`|[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?|\S")
_SQL_FORBIDDEN = frozenset({
    "INSERT", "UPDATE", "DELETE", "MERGE", "CREATE", "DROP", "ALTER", "TRUNCATE", "LOAD", "ADD", "SET",
    "RESET", "CACHE", "UNCACHE", "REFRESH", "MSCK", "USE", "GRANT", "REVOKE", "DESCRIBE",
    "SHOW", "ANALYZE", "REPAIR", "DIRECTORY", "OVERWRITE", "EXPORT", "IMPORT", "CALL", "EXECUTE",
    "DECLARE", "REFLECT", "JAVA_METHOD", "TRY_REFLECT", "READ_FILES",
})
_SQL_FROM_FUNCS = frozenset({"EXTRACT", "TRIM", "SUBSTRING", "SUBSTR", "POSITION", "OVERLAY"})
_SQL_CLAUSE_END = frozenset({"WHERE", "GROUP", "ORDER", "HAVING", "LIMIT", "JOIN", "INNER", "LEFT", "RIGHT",
                             "FULL", "CROSS", "ON", "UNION", "EXCEPT", "INTERSECT", "WINDOW", "LATERAL",
                             "NATURAL", "SEMI", "ANTI", "OUTER", "CLUSTER", "DISTRIBUTE", "SORT", "PIVOT",
                             "UNPIVOT", "TABLESAMPLE"})


def analyse_sql(sql: str) -> tuple[str | None, list[str]]:
    """Return (problem, referenced relation names). Only a single SELECT/WITH statement passes."""
    body = _SQL_STRIP.sub(" '' ", sql).strip()
    if body.endswith(";"):
        body = body[:-1]
    if ";" in body:
        return "only a single SQL statement is allowed", []
    tokens = _SQL_TOKEN.findall(body)
    upper = [t.upper() for t in tokens]
    first = next((u for u in upper if u != "("), "")
    if first not in ("SELECT", "WITH"):
        return f"only SELECT queries are allowed (got {first or 'nothing'!r})", []
    for k, u in enumerate(upper):
        if u == "USING" and k + 1 < len(upper) and upper[k + 1] == "'":
            return "TRANSFORM ... USING 'script' runs external programs", []
        if u in _SQL_FORBIDDEN:
            return f"SQL keyword {u} is not allowed in generated queries", []
    ctes: set[str] = set()
    refs: list[str] = []
    paren: list[str] = []
    i = 0
    n = len(tokens)
    while i < n:
        u = upper[i]
        if u == "(":
            paren.append("func" if i and upper[i - 1] in _SQL_FROM_FUNCS else "paren")
        elif u == ")":
            if paren:
                paren.pop()
        elif u == "AS" and i + 1 < n and upper[i + 1] == "(" and i > 0:
            ctes.add(tokens[i - 1].strip("`").lower())
        elif u in ("FROM", "JOIN", "TABLE") and not (paren and paren[-1] == "func"):
            j = i + 1
            while j < n:
                if upper[j] == "(":
                    break  # subquery / table function: its own FROMs are scanned later
                name, j = _read_ident(tokens, upper, j)
                if name is None:
                    break
                refs.append(name)
                # skip alias
                if j < n and upper[j] == "AS":
                    j += 1
                if j < n and re.match(r"^[A-Za-z_`]", tokens[j]) and upper[j] not in _SQL_CLAUSE_END:
                    j += 1
                if j < n and upper[j] == ",":
                    j += 1
                    continue
                break
        i += 1
    return None, [r for r in refs if r not in ctes]


def _read_ident(tokens: list[str], upper: list[str], j: int) -> tuple[str | None, int]:
    parts: list[str] = []
    n = len(tokens)
    while j < n:
        t = tokens[j]
        if t.startswith("`") or re.match(r"^[A-Za-z_]", t):
            parts.append(t.strip("`").lower())
            j += 1
            if j < n and tokens[j] == ".":
                j += 1
                continue
        break
    return (".".join(parts) if parts else None), j


def spark_rules() -> list[Rule]:
    return [
        SafetyRule(allowed_modules=SPARK_MODULES, name_rules=SPARK_NAME_RULES, attr_rules=SPARK_ATTR_RULES,
                   classify_dotted=classify_spark),
        ContractRule(),
        SparkRule(),
    ]
