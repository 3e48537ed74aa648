"""Safety rules shared by the Spark and Ray validators (§2.1 bypass classes 1-7).

Allowlist approach for imports; denylists for names/attributes that reach interpreter
internals (dunders, frames, function internals), dynamic attribute access, dynamic code
and library I/O that bypasses the injected inputs.
"""

from __future__ import annotations

import ast
import re
import string as _string
from collections.abc import Callable, Mapping
from functools import lru_cache

from .core import ERROR, Context, Handler, Rule, const_str, dotted_name

# ---------------------------------------------------------------------------- allowlists

#: Pure-Python / pure-computation stdlib modules every program may import.
COMMON_MODULES = frozenset({
    "__future__", "math", "cmath", "datetime", "re", "json", "decimal", "fractions", "statistics",
    "itertools", "functools", "collections", "collections.abc", "typing", "operator", "dataclasses",
    "enum", "heapq", "bisect", "random", "time", "zoneinfo", "calendar", "textwrap", "unicodedata",
    "numbers", "copy", "hashlib", "array", "abc",
})
#: Dataframe libraries (allowed in both frameworks, with their I/O entry points forbidden).
DATAFRAME_MODULES = frozenset({"pandas", "numpy", "pyarrow", "pyarrow.compute"})

# ---------------------------------------------------------------------------- denylists

FORBIDDEN_BUILTINS = frozenset({
    "eval", "exec", "compile", "open", "breakpoint", "help", "input", "memoryview", "globals",
    "locals", "vars", "dir", "exit", "quit", "copyright", "credits", "license", "reload",
    "execfile", "__import__",
})
DYNAMIC_ATTR_BUILTINS = frozenset({"getattr", "setattr", "delattr", "hasattr"})

#: Dunder attributes benign code may touch (super().__init__(...), f.__name__).
SAFE_DUNDER_ATTRS = frozenset({"__init__", "__name__", "__qualname__"})
#: Dunder names benign code may reference as plain names.
SAFE_DUNDER_NAMES = frozenset({"__name__", "__debug__"})
#: Dunder methods benign classes may define (Ray actors, callable classes for map_batches).
SAFE_DUNDER_DEFS = frozenset({
    "__init__", "__call__", "__repr__", "__str__", "__len__", "__iter__", "__next__", "__eq__",
    "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__hash__", "__contains__", "__getitem__",
    "__bool__", "__enter__", "__exit__", "__add__", "__sub__", "__mul__", "__truediv__",
    "__floordiv__", "__mod__", "__radd__", "__rsub__", "__rmul__", "__neg__", "__abs__",
    "__post_init__",
})
#: Frame / generator / coroutine / code / function internals (bypass classes 2 and 3).
INTROSPECTION_ATTRS = frozenset({
    "gi_frame", "gi_code", "gi_yieldfrom", "gi_running", "cr_frame", "cr_code", "cr_await",
    "cr_origin", "ag_frame", "ag_code", "ag_await", "f_globals", "f_locals", "f_back", "f_builtins",
    "f_code", "f_trace", "tb_frame", "tb_next", "co_code", "co_consts", "co_names", "func_globals",
    "func_code", "im_func", "im_self", "mro", "with_traceback",
})
#: Attribute names that are modules giving OS / interpreter access (e.g. typing.sys, dataclasses.inspect).
MODULE_ATTRS = frozenset({
    "sys", "os", "builtins", "inspect", "subprocess", "importlib", "ctypes", "socket", "pickle",
    "marshal", "shutil", "posix", "nt", "gc", "tempfile", "pathlib", "multiprocessing", "threading",
    "_thread", "pty", "runpy", "urllib", "cloudpickle", "dill", "copyreg", "modules", "ctypeslib",
    "cffi", "signal", "codeop", "shelve", "resource", "fcntl", "asyncio", "requests", "http", "bltns",
    "_bootstrap", "_imp", "zipimport",
})
_DANGEROUS_DUNDERS = (
    "class|bases|base|mro|subclasses|globals|builtins|import|code|closure|defaults|kwdefaults|self|"
    "func|dict|getattribute|getattr|setattr|delattr|reduce|reduce_ex|loader|spec|init_subclass|"
    "traceback|module|objclass|wrapped|build_class|subclasshook|getstate|setstate|class_getitem|"
    "dir|func_globals"
)
_DUNDER_IN_STR = re.compile(rf"__(?:{_DANGEROUS_DUNDERS})__")
_INTROSPECTION_IN_STR = re.compile(
    r"\b(?:gi_frame|gi_code|cr_frame|ag_frame|f_globals|f_locals|f_back|f_builtins|f_code|tb_frame|"
    r"tb_next|co_code|func_globals)\b")
_SQL_REFLECTION = re.compile(r"(?i)\b(?:try_)?(?:reflect|java_method)\s*\(")
_PATH_PREFIX = re.compile(
    r"(?i)^\s*(?:(?:file|s3|s3a|s3n|hdfs|webhdfs|viewfs|https?|ftp|sftp|gs|gcs|abfss?|wasbs?|adl|dbfs|"
    r"jdbc|local|alluxio|oss|cos|ws|wss|tcp|unix)\s*:|/(?:[A-Za-z0-9_.~-]|$)|~|\\\\)")
_PATH_ANYWHERE = re.compile(
    r"(?i)\b(?:file|s3|s3a|s3n|hdfs|webhdfs|https?|ftp|gs|abfss?|wasbs?|dbfs|jdbc)\s*:\s*/")
_TRAVERSAL = re.compile(r"(?:^|[/\\])\.\.(?:[/\\]|$)")
_SENSITIVE_CONF_STR = re.compile(r"(?i)^\s*(?:spark\.hadoop\.|fs\.s3|spark\.jars|spark\.driver\.extra|"
                                 r"spark\.executor\.extra|spark\.submit|spark\.files|spark\.archives|"
                                 r"spark\.sql\.extensions|spark\.plugins)")

#: Names (identifiers / attributes / imported names) that are always rejected, in both frameworks.
COMMON_NAME_RULES: dict[str, tuple[str, str]] = {
    "attrgetter": ("safety.dynamic-attribute", "operator.attrgetter resolves attribute names at run time"),
    "methodcaller": ("safety.dynamic-attribute", "operator.methodcaller resolves method names at run time"),
    "Formatter": ("safety.format-string", "string.Formatter can walk attributes through format fields"),
    "format_map": ("safety.format-string", "str.format_map can walk attributes through format fields"),
    "FunctionType": ("safety.dynamic-code", "constructing functions from code objects is not allowed"),
    "CodeType": ("safety.dynamic-code", "constructing code objects is not allowed"),
    "LambdaType": ("safety.dynamic-code", "types.LambdaType is not allowed"),
    "MethodType": ("safety.dynamic-code", "types.MethodType is not allowed"),
    "ModuleType": ("safety.dynamic-code", "creating modules is not allowed"),
    "make_dataclass": ("safety.dynamic-code", "dataclasses.make_dataclass generates code"),
    "get_type_hints": ("safety.dynamic-code", "typing.get_type_hints evaluates strings"),
    "ForwardRef": ("safety.dynamic-code", "typing.ForwardRef evaluates strings"),
    "fromtextfile": ("safety.library-io", "numpy.ma.mrecords.fromtextfile reads files"),
    "mrecords": ("safety.library-io", "numpy.ma.mrecords reads files"),
    "reset_tzpath": ("safety.library-io", "zoneinfo.reset_tzpath points time-zone loading at arbitrary files"),
}
#: Rules that apply to attribute names only (a local variable called `query` is fine).
COMMON_ATTR_RULES: dict[str, tuple[str, str]] = {
    "eval": ("safety.forbidden-call", ".eval() evaluates strings as code (pandas/numexpr)"),
    "query": ("safety.forbidden-call", "DataFrame.query() evaluates expression strings (pandas eval)"),
    **{n: ("safety.forbidden-call", f"{n} reached as an attribute (e.g. of a builtins module)")
       for n in ("exec", "open", "breakpoint", "globals", "locals", "vars", "execfile", "getattr", "setattr",
                 "delattr", "memoryview", "input", "help")},
}

#: pandas / numpy / pyarrow entry points that read or write files, or deserialise.
PANDAS_IO = frozenset({"io", "eval", "HDFStore", "ExcelFile", "ExcelWriter", "read_pickle",
                       "to_pickle", "api", "compat", "util"})
NUMPY_IO = frozenset({"load", "loadtxt", "genfromtxt", "fromfile", "memmap", "fromregex", "DataSource",
                      "ctypeslib", "lib", "save", "savez", "savez_compressed", "savetxt", "tofile",
                      "f2py", "distutils", "testing", "core", "_core"})
PYARROW_IO = frozenset({"fs", "csv", "parquet", "dataset", "ipc", "feather", "orc", "json", "OSFile",
                        "memory_map", "input_stream", "output_stream", "hdfs", "LocalFileSystem",
                        "S3FileSystem", "HadoopFileSystem", "cffi", "jvm", "flight", "plasma", "cuda",
                        "substrait", "create_memory_map", "BufferReader", "serialize",
                        "deserialize", "PythonFile", "NativeFile", "lib"})
#: pyarrow.csv names that only describe options (no I/O): the Ray reader takes them.
PYARROW_CSV_OPTIONS = frozenset({"ConvertOptions", "ReadOptions", "ParseOptions"})
#: Method names that write outside the runner (the runner writes `result`).
WRITE_ATTRS = frozenset({
    "write", "writeTo", "writeStream", "save", "saveAsTable", "insertInto", "saveAsTextFile",
    "saveAsPickleFile", "saveAsHadoopFile", "saveAsNewAPIHadoopFile", "saveAsSequenceFile",
    "to_csv", "to_parquet", "to_pickle", "to_json", "to_excel", "to_sql", "to_hdf", "to_feather",
    "to_orc", "to_stata", "to_clipboard", "to_gbq", "to_xml", "tofile", "savetxt", "savez",
    "savez_compressed", "dump", "to_file",
})
#: Private attributes benign code may use (namedtuple API).
SAFE_PRIVATE_ATTRS = frozenset({"_asdict", "_replace", "_fields", "_make", "_field_defaults"})

NameRules = Mapping[str, tuple[str, str]]
_PLAIN = re.compile(r"[A-Za-z0-9_ ,%-]*")


@lru_cache(maxsize=4096)
def string_findings(value: str) -> tuple[tuple[str, str], ...]:
    """Rules a string literal triggers (pure and cached: column names repeat a lot)."""
    if _PLAIN.fullmatch(value) and "__" not in value and "_" not in value.strip("_"):
        return ()
    out: list[tuple[str, str]] = []
    m = _DUNDER_IN_STR.search(value)
    if m:
        out.append(("safety.dunder-access", f"string contains {m.group()!r}"))
    m = _INTROSPECTION_IN_STR.search(value)
    if m:
        out.append(("safety.introspection", f"string contains {m.group()!r}"))
    if _SQL_REFLECTION.search(value):
        out.append(("safety.sql-reflection", "SQL reflect()/java_method() call Java methods on the cluster"))
    if _PATH_PREFIX.match(value) or _PATH_ANYWHERE.search(value) or _TRAVERSAL.search(value):
        out.append(("workflow.literal-path",
                    f"literal path or URI {value[:60]!r}: read data only through `inputs`"))
    if "runtime_env" in value:
        out.append(("safety.runtime-env", "runtime_env installs and runs arbitrary code"))
    if _SENSITIVE_CONF_STR.match(value):
        out.append(("safety.spark-conf", f"configuration key {value[:60]!r} is not allowed"))
    return tuple(out)


# ---------------------------------------------------------------------------- resource abuse (class 9)

#: Longest constant sleep generated analytics code may contain.
MAX_SLEEP_S = 30.0
#: Largest constant repetition count / result size (elements, characters or bits) allowed.
MAX_CONSTANT_SIZE = 10**8
#: Calls whose string arguments are regular expressions (re, pandas .str, Spark, pyarrow).
REGEX_FUNCS = frozenset({
    "match", "search", "fullmatch", "findall", "finditer", "sub", "subn", "split", "compile",
    "regexp_extract", "regexp_extract_all", "regexp_replace", "rlike", "regexp", "regexp_like",
    "regexp_count", "regexp_substr", "regexp_instr", "contains", "extract", "extractall", "replace",
    "match_substring_regex", "count_substring_regex", "replace_substring_regex", "extract_regex",
    "split_pattern_regex",
})
#: A group holding a quantifier that is itself repeated: `(a+)+`, `(a*)*`, `(\w+\s?)*`, `(.*a){20,}`,
#: or an alternation of overlapping branches repeated: `(a|a)*` / `(a|ab)+`.
_CATASTROPHIC_REGEX = re.compile(
    r"\((?:\?:)?(?:[^()\\]|\\.)*?(?:[+*]|\{\d*,\})(?:[^()\\]|\\.)*\)(?:[+*]|\{\d+,\d*\})"
    r"|\((?:\?:)?([^()|\\]+)\|\1[^()]*\)[+*]"
)


def _const_number(node: ast.AST | None) -> float | None:
    """The value of a constant int/float expression (+, -, *, **, <<, unary minus), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        v = _const_number(node.operand)
        return None if v is None else (-v if isinstance(node.op, ast.USub) else v)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Pow, ast.LShift)):
        left, right = _const_number(node.left), _const_number(node.right)
        if left is None or right is None:
            return None
        try:
            if isinstance(node.op, ast.Pow):
                if abs(left) > 1 and right > 64:
                    return float("inf")
                return float(left) ** float(right) if right >= 0 else 0.0
            if isinstance(node.op, ast.LShift):
                return float("inf") if right > 64 else float(left) * 2.0 ** right
            if isinstance(node.op, ast.Mult):
                return float(left) * float(right)
            return float(left) + float(right) if isinstance(node.op, ast.Add) else float(left) - float(right)
        except (OverflowError, ValueError, ZeroDivisionError):
            return float("inf")
    return None


def _sequence_literal(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
        return True
    return isinstance(node, (ast.List, ast.Tuple, ast.JoinedStr))


def huge_constant(node: ast.BinOp) -> str | None:
    """A message if `node` builds a constant far beyond any analytics need (huge string/list, 10**10**10)."""
    if isinstance(node.op, ast.Mult):
        for seq, count in ((node.left, node.right), (node.right, node.left)):
            if _sequence_literal(seq):
                n = _const_number(count)
                if n is not None and n > MAX_CONSTANT_SIZE:
                    return f"repeating a literal {n:.3g} times exhausts memory"
        return None
    n = _const_number(node)
    if n is not None and abs(n) > 2.0 ** min(MAX_CONSTANT_SIZE, 1000):
        return "a constant this large (huge power / shift) only burns CPU and memory"
    return None


def _can_leave_loop(loop: ast.While) -> bool:
    """A break of this loop, or a return/raise/exit anywhere in its body (not in nested defs)."""
    stack: list[tuple[ast.AST, bool]] = [(n, True) for n in loop.body]
    while stack:
        node, own = stack.pop()
        if isinstance(node, (ast.Return, ast.Raise)) or (isinstance(node, ast.Break) and own):
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        inner = own and not isinstance(node, (ast.For, ast.AsyncFor, ast.While))
        stack.extend((child, inner) for child in ast.iter_child_nodes(node))
    return False


def module_allowed(mod: str, allowed: frozenset[str]) -> bool:
    return mod in allowed


class SafetyRule(Rule):
    """Shared safety rules; framework modules pass their allowlist and extra name rules."""

    def __init__(self, *, allowed_modules: frozenset[str], name_rules: NameRules,
                 attr_rules: NameRules | None = None,
                 classify_dotted: Callable[[str], tuple[str, str] | None] | None = None) -> None:
        self.allowed_modules = allowed_modules
        self.name_rules: dict[str, tuple[str, str]] = {**COMMON_NAME_RULES, **name_rules}
        self.attr_rules: dict[str, tuple[str, str]] = {**COMMON_ATTR_RULES, **(attr_rules or {})}
        self.classify_dotted = classify_dotted or (lambda dotted: None)

    def handlers(self) -> dict[type, Handler]:
        return {
            ast.Import: self.on_import,
            ast.ImportFrom: self.on_import_from,
            ast.Name: self.on_name,
            ast.Attribute: self.on_attribute,
            ast.Call: self.on_call,
            ast.Constant: self.on_constant,
            ast.FunctionDef: self.on_def,
            ast.AsyncFunctionDef: self.on_def,
            ast.ClassDef: self.on_def,
            ast.Global: self.on_global,
            ast.Nonlocal: self.on_global,
            ast.arg: self.on_arg,
            ast.BinOp: self.on_binop,
            ast.MatchClass: self.on_match_class,
            ast.While: self.on_while,
        }

    def on_match_class(self, node: ast.MatchClass, ctx: Context) -> None:
        # `case object(__class__=c)` reads attributes by name
        for attr in node.kwd_attrs:
            self.check_identifier(ctx, node, attr, what=f"class pattern attribute {attr!r}")

    # ------------------------------------------------------------------ imports
    def _check_module(self, ctx: Context, node: ast.AST, mod: str) -> bool:
        special = self.classify_dotted(mod)
        if special:
            ctx.add(special[0], node, f"import of {mod!r}: {special[1]}")
            return False
        if not module_allowed(mod, self.allowed_modules):
            ctx.add("safety.forbidden-import", node, f"import of {mod!r} is not allowed (not on the allowlist)")
            return False
        return True

    def _check_imported_name(self, ctx: Context, node: ast.AST, mod: str, name: str) -> None:
        full = f"{mod}.{name}"
        special = self.classify_dotted(full)
        if special:
            ctx.add(special[0], node, f"import of {full!r}: {special[1]}")
            return
        self.check_identifier(ctx, node, name, what=f"import of {full!r}")
        root = mod.split(".")[0]
        if root in ("pandas", "numpy", "pyarrow"):
            self._check_lib_io(ctx, node, full)

    def on_import(self, node: ast.Import, ctx: Context) -> None:
        for alias in node.names:
            ctx.imported_roots.add(alias.name.split(".")[0])
            if self._check_module(ctx, node, alias.name):
                pass
            if alias.asname:
                ctx.aliases[alias.asname] = alias.name
            else:
                root = alias.name.split(".")[0]
                ctx.aliases.setdefault(root, root)

    def on_import_from(self, node: ast.ImportFrom, ctx: Context) -> None:
        mod = node.module or ""
        if node.level:
            ctx.add("safety.forbidden-import", node, "relative imports are not allowed")
            return
        ctx.imported_roots.add(mod.split(".")[0])
        self._check_module(ctx, node, mod)
        for alias in node.names:
            if alias.name == "*":
                continue  # every name star-imported is still checked where it is used
            sub = f"{mod}.{alias.name}"
            if sub in self.allowed_modules:
                ctx.aliases[alias.asname or alias.name] = sub
                continue
            self._check_imported_name(ctx, node, mod, alias.name)
            ctx.aliases[alias.asname or alias.name] = sub

    # ------------------------------------------------------------------ identifiers
    def check_identifier(self, ctx: Context, node: ast.AST, name: str, *, what: str,
                         receiver: ast.AST | None = None) -> None:
        """Rules on a bare identifier: a Name, an attribute name or an imported name."""
        rule = self.name_rules.get(name)
        if rule:
            ctx.add(rule[0], node, f"{what}: {rule[1]}")
            return
        if name.startswith("__") and name.endswith("__") and len(name) > 4:
            if name not in SAFE_DUNDER_ATTRS:
                ctx.add("safety.dunder-access", node, f"{what}: dunder attribute {name!r} is not allowed")
            return
        if name in INTROSPECTION_ATTRS:
            ctx.add("safety.introspection", node,
                    f"{what}: {name!r} exposes frames, code or function internals")
            return
        if name in MODULE_ATTRS:
            ctx.add("safety.forbidden-import", node, f"{what}: reaching module {name!r} is not allowed")
            return
        if name in WRITE_ATTRS or name.startswith("write_"):
            ctx.add("contract.writes-output", node,
                    f"{what}: code must not write data itself; bind the answer to `result` and the runner writes it")
            return
        if name.startswith("_") and not name.startswith("__"):
            if name.startswith("_j") or name in ("_gateway", "_sc", "_py4j"):
                ctx.add("safety.py4j-escape", node, f"{what}: {name!r} is a Py4J/JVM handle")
                return
            if name in SAFE_PRIVATE_ATTRS:
                return
            if isinstance(receiver, ast.Name) and receiver.id in ("self", "cls"):
                return
            ctx.add("safety.private-attribute", node, f"{what}: private attribute {name!r} is not allowed")

    def on_name(self, node: ast.Name, ctx: Context) -> None:
        name = node.id
        if name.startswith("__") and name.endswith("__"):
            if name not in SAFE_DUNDER_NAMES:
                ctx.add("safety.dunder-access", node, f"dunder name {name!r} is not allowed")
            return
        if not isinstance(node.ctx, ast.Load):
            return
        if name in FORBIDDEN_BUILTINS:
            ctx.add("safety.forbidden-call", node, f"{name}() is not allowed")
            return
        if name in DYNAMIC_ATTR_BUILTINS and id(node) not in ctx.called:
            ctx.add("safety.dynamic-attribute", node, f"{name} may only be called directly with a literal name")
            return
        if name == "type" and id(node) not in ctx.called:
            ctx.add("safety.dynamic-code", node, "type may only be called with one argument")
            return
        if name in ctx.aliases and name not in self.name_rules:
            return
        rule = self.name_rules.get(name)
        if rule:
            ctx.add(rule[0], node, f"name {name!r}: {rule[1]}")

    def on_attribute(self, node: ast.Attribute, ctx: Context) -> None:
        if node.attr == "format" and id(node) not in ctx.called:
            ctx.add("safety.format-string", node,
                    ".format must be called directly on a literal template (a bound .format can walk attributes)")
        rule = self.attr_rules.get(node.attr)
        if node.attr == "compile" and ctx.resolve(dotted_name(node)) != "re.compile":
            ctx.add("safety.forbidden-call", node, "compile reached as an attribute (only re.compile is allowed)")
        if rule:
            ctx.add(rule[0], node, f"attribute {node.attr!r}: {rule[1]}")
        self.check_identifier(ctx, node, node.attr, what=f"attribute {node.attr!r}", receiver=node.value)
        if not isinstance(node.ctx, ast.Load):
            root = node.value
            while isinstance(root, (ast.Attribute, ast.Subscript)):
                root = root.value
            if isinstance(root, ast.Name) and (root.id in ctx.aliases or root.id in ("spark", "ray", "inputs")):
                ctx.add("safety.monkeypatch", node, f"modifying attributes of {root.id!r} is not allowed")
        dotted = dotted_name(node)
        if dotted:
            resolved = ctx.resolve(dotted)
            special = self.classify_dotted(resolved)
            if special:
                ctx.add(special[0], node, f"{resolved}: {special[1]}")
            root = resolved.split(".")[0]
            if root in ("pandas", "numpy", "pyarrow") and dotted.split(".")[0] in ctx.aliases:
                self._check_lib_io(ctx, node, resolved)

    def _check_lib_io(self, ctx: Context, node: ast.AST, resolved: str) -> None:
        parts = resolved.split(".")
        if len(parts) < 2:
            return
        root, attr = parts[0], parts[1]
        if root == "pyarrow" and attr == "csv" and (len(parts) == 2 or parts[2] in PYARROW_CSV_OPTIONS):
            return  # the module itself and its option classes; pyarrow.csv.read_csv & co. stay forbidden
        bad = (
            (root == "pandas" and (attr.startswith("read_") or attr in PANDAS_IO))
            or (root == "numpy" and attr in NUMPY_IO)
            or (root == "pyarrow" and attr in PYARROW_IO)
        )
        if bad:
            ctx.add("safety.library-io", node,
                    f"{resolved}: file I/O or deserialisation through {root} is not allowed; "
                    "read inputs with the framework reader")

    # ------------------------------------------------------------------ calls
    def on_call(self, node: ast.Call, ctx: Context) -> None:
        func = node.func
        ctx.called.add(id(func))
        if isinstance(func, ast.Name):
            name = func.id
            if name in DYNAMIC_ATTR_BUILTINS:
                attr_arg = node.args[1] if len(node.args) > 1 else None
                literal = const_str(attr_arg) if attr_arg is not None else None
                if literal is None or not isinstance(attr_arg, ast.Constant) or node.keywords:
                    ctx.add("safety.dynamic-attribute", node,
                            f"{name}() needs a literal attribute name (computed names are not allowed)")
                else:
                    self.check_identifier(ctx, node, literal, what=f"{name}(..., {literal!r})")
                    if name != "getattr" and name != "hasattr":
                        ctx.add("safety.dynamic-attribute", node, f"{name}() is not allowed")
            elif name == "type" and (len(node.args) != 1 or node.keywords):
                ctx.add("safety.dynamic-code", node, "type() with three arguments builds classes dynamically")
        elif isinstance(func, ast.Attribute):
            if func.attr in ("format", "format_map"):
                self._check_format(node, func, ctx)
        fname = func.attr if isinstance(func, ast.Attribute) else (func.id if isinstance(func, ast.Name) else "")
        if fname == "sleep":
            secs = node.args[0] if node.args else None
            value = _const_number(secs) if secs is not None else None
            if value is None or value > MAX_SLEEP_S:
                ctx.add("safety.resource-abuse", node,
                        f"sleep() longer than {MAX_SLEEP_S:g} s (or computed) only burns the job's time budget")
        elif fname in REGEX_FUNCS:
            for arg in [*node.args, *(kw.value for kw in node.keywords)]:
                pattern = const_str(arg)
                if pattern and _CATASTROPHIC_REGEX.search(pattern):
                    ctx.add("safety.resource-abuse", arg,
                            f"regular expression {pattern[:60]!r} has nested quantifiers "
                            "(catastrophic backtracking)")
                    break
        for kw in node.keywords:
            if kw.arg and kw.arg.startswith("__"):
                ctx.add("safety.dunder-access", kw.value, f"keyword argument {kw.arg!r} is not allowed")

    def _check_format(self, node: ast.Call, func: ast.Attribute, ctx: Context) -> None:
        receiver = func.value
        template: str | None = None
        if isinstance(receiver, ast.Name) and receiver.id == "str":
            template = const_str(node.args[0]) if node.args else None
            if template is None:
                ctx.add("safety.format-string", node, "str.format() with a computed template is not allowed")
                return
        else:
            template = const_str(receiver)
            if template is None:
                if isinstance(receiver, (ast.BinOp, ast.JoinedStr)) or (
                    isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Attribute)
                    and receiver.func.attr in ("join", "replace", "strip", "lower", "upper", "decode",
                                               "format", "removeprefix", "removesuffix", "encode")
                ) or (isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Name)
                      and receiver.func.id in ("str", "chr", "bytes")):
                    ctx.add("safety.format-string", node,
                            ".format() on a computed template is not allowed (attribute walking)")
                return
        try:
            fields = [f for _, f, _, _ in _string.Formatter().parse(template) if f]
        except (ValueError, TypeError):
            ctx.add("safety.format-string", node, "malformed format template")
            return
        for f in fields:
            if "." in f or ("[" in f and "_" in f):
                ctx.add("safety.format-string", node,
                        f"format field {{{f}}} walks attributes; use an f-string with plain names")
                return

    # ------------------------------------------------------------------ constants
    def on_constant(self, node: ast.Constant, ctx: Context) -> None:
        value = node.value
        if not isinstance(value, str) or not value:
            return
        self.check_string(ctx, node, value)

    def check_string(self, ctx: Context, node: ast.AST, value: str) -> None:
        for rule_id, message in string_findings(value):
            ctx.add(rule_id, node, message)

    def on_binop(self, node: ast.BinOp, ctx: Context) -> None:
        if isinstance(node.op, (ast.Mult, ast.Pow, ast.LShift)):
            problem = huge_constant(node)
            if problem:
                ctx.add("safety.resource-abuse", node, problem)
        # "__cla" + "ss__": fold constant concatenations (only at the top of a chain).
        if isinstance(node.op, ast.Add) and (
            isinstance(node.right, ast.Constant) and isinstance(node.right.value, str)
        ):
            folded = const_str(node)
            if folded is not None:
                self.check_string(ctx, node, folded)

    # ------------------------------------------------------------------ definitions
    def on_def(self, node: ast.FunctionDef | ast.ClassDef, ctx: Context) -> None:
        name = node.name
        if name.startswith("__") and name.endswith("__") and name not in SAFE_DUNDER_DEFS:
            ctx.add("safety.dunder-access", node, f"defining {name!r} is not allowed")
        if ctx.scope_depth == 0:
            key = (0, name)
            if key in ctx.defined:
                ctx.add("safety.redefinition", node,
                        f"{name!r} is defined twice (line {ctx.defined[key]}); a later block must not "
                        "redefine an earlier one")
            else:
                ctx.defined[key] = node.lineno
        if isinstance(node, ast.ClassDef):
            for kw in node.keywords:
                if kw.arg == "metaclass":
                    ctx.add("safety.dynamic-code", node, "custom metaclasses are not allowed")

    def on_while(self, node: ast.While, ctx: Context) -> None:
        test = node.test
        always = isinstance(test, ast.Constant) and bool(test.value) and not isinstance(test.value, str)
        if always and not _can_leave_loop(node):
            ctx.add("safety.resource-abuse", node,
                    "`while True` without break/return/raise never ends (the job would only stop at its timeout)")

    def on_global(self, node: ast.Global | ast.Nonlocal, ctx: Context) -> None:
        for name in node.names:
            if name.startswith("__") and name.endswith("__"):
                ctx.add("safety.dunder-access", node, f"global {name!r} is not allowed")
            if name == "result" and isinstance(node, ast.Global):
                ctx.result_bound = True

    def on_arg(self, node: ast.arg, ctx: Context) -> None:
        if node.arg.startswith("__") and node.arg.endswith("__"):
            ctx.add("safety.dunder-access", node, f"parameter name {node.arg!r} is not allowed")


__all__ = ["SafetyRule", "COMMON_MODULES", "DATAFRAME_MODULES", "ERROR"]
