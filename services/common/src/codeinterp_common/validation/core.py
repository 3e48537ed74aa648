"""Core of the validator: data types, the rule registry and the single-pass AST walker.

The walker parses the code once, then visits every node exactly once (iteratively, so a
deep tree can never overflow the Python stack) and dispatches each node to the handlers
that the rule modules registered for its type. Rules that need whole-program facts
(is `result` bound? which inputs were read?) record facts in the `Context` while walking
and decide in their `finish` hook.
"""

from __future__ import annotations

import ast
import enum
import gc
import hashlib
import io
import re
import time
import tokenize
import warnings
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field

ERROR = "error"
WARNING = "warning"

#: Maximum AST depth; deeper trees are rejected (safety.nesting-too-deep) and not descended.
MAX_AST_DEPTH = 200


@dataclass(frozen=True)
class Violation:
    rule_id: str
    message: str
    line: int
    column: int
    severity: str = ERROR

    def __str__(self) -> str:  # "3:7 safety.forbidden-import: ..."
        return f"{self.line}:{self.column} {self.rule_id} [{self.severity}]: {self.message}"


@dataclass(frozen=True)
class ValidationResult:
    valid: bool
    violations: tuple[Violation, ...]
    code_sha256: str
    duration_s: float

    @property
    def errors(self) -> tuple[Violation, ...]:
        return tuple(v for v in self.violations if v.severity == ERROR)

    @property
    def warnings(self) -> tuple[Violation, ...]:
        return tuple(v for v in self.violations if v.severity == WARNING)

    @property
    def rule_ids(self) -> frozenset[str]:
        return frozenset(v.rule_id for v in self.violations)


class Workflow(enum.Enum):
    CSV = "csv"
    CATALOG = "catalog"
    NONE = "none"


def code_sha256(code: str) -> str:
    """Hex SHA-256 of the code's UTF-8 bytes (surrogates escaped, so it never raises)."""
    return hashlib.sha256(code.encode("utf-8", "surrogatepass")).hexdigest()


def derive_workflow(input_names: Collection[str], tables: Collection[str]) -> Workflow:
    if tables:
        return Workflow.CATALOG
    if input_names:
        return Workflow.CSV
    return Workflow.NONE


# --------------------------------------------------------------------------------------
# Context shared by all rules during one validation
# --------------------------------------------------------------------------------------

FUNC_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


@dataclass(eq=False)
class Read:
    """A data-source access found in the code, judged in `finish` (needs all bindings)."""

    kind: str  # "file" | "table" | "sql"
    node: ast.AST
    arg: ast.expr | None
    method: str


@dataclass(eq=False)
class Context:
    framework: str  # "spark" | "ray"
    workflow: Workflow
    input_names: frozenset[str]
    tables: frozenset[str]  # lower-cased "db.table"
    source: str
    violations: list[Violation] = field(default_factory=list)
    # walker state
    depth: int = 0
    scope_depth: int = 0  # >0 inside def/lambda/class/comprehension
    # facts
    aliases: dict[str, str] = field(default_factory=dict)  # local name -> dotted origin
    imported_roots: set[str] = field(default_factory=set)
    called: set[int] = field(default_factory=set)  # id() of expressions used as Call.func
    marks: set[int] = field(default_factory=set)  # id() of nodes a parent handler already judged
    result_bound: bool = False
    used_inputs: set[str] = field(default_factory=set)
    inputs_fully_used: bool = False  # iterated / non-literal subscript
    input_vars: set[str] = field(default_factory=set)  # names bound from inputs[...]
    clobbered: set[str] = field(default_factory=set)  # names also bound to something else
    used_tables: set[str] = field(default_factory=set)
    reads: list[Read] = field(default_factory=list)
    uses_spark: bool = False
    uses_ray: bool = False
    uses_dataframe_lib: bool = False  # pandas / numpy / pyarrow
    temp_views: set[str] = field(default_factory=set)
    defined: dict[tuple[int, str], int] = field(default_factory=dict)
    _seen: set[tuple[str, int, int]] = field(default_factory=set)

    def add(self, rule_id: str, node: ast.AST | None, message: str, severity: str = ERROR,
            line: int | None = None, column: int | None = None) -> None:
        if line is None:
            line = getattr(node, "lineno", 1) or 1
        if column is None:
            col = getattr(node, "col_offset", 0) or 0
            if isinstance(node, ast.Attribute) and node.end_lineno == node.lineno and node.end_col_offset:
                col = node.end_col_offset - len(node.attr.encode("utf-8"))  # point at the attribute name
            column = self._char_column(line, col) + 1
        key = (rule_id, line, column)
        if key in self._seen:
            return
        self._seen.add(key)
        self.violations.append(Violation(rule_id, message, line, column, severity))

    def _char_column(self, line: int, byte_col: int) -> int:
        """ast offsets are UTF-8 byte offsets; report character columns."""
        if self.source.isascii():
            return byte_col
        lines = source_lines(self.source)
        if 0 < line <= len(lines):
            return len(lines[line - 1].encode("utf-8")[:byte_col].decode("utf-8", "replace"))
        return byte_col

    def resolve(self, dotted: str | None) -> str | None:
        """Map the first segment of a dotted name through import aliases."""
        if not dotted:
            return dotted
        head, _, rest = dotted.partition(".")
        origin = self.aliases.get(head)
        if origin is None:
            return dotted
        return f"{origin}.{rest}" if rest else origin


Handler = Callable[[ast.AST, Context], None]


class Rule:
    """A rule module: `handlers` maps node types to callables; `finish` runs after the walk."""

    def handlers(self) -> dict[type, Handler]:
        return {}

    def finish(self, ctx: Context) -> None:  # pragma: no cover - default no-op
        return None


# --------------------------------------------------------------------------------------
# AST helpers
# --------------------------------------------------------------------------------------


def dotted_name(node: ast.AST) -> str | None:
    """`a.b.c` for a pure Name/Attribute chain, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def chain(node: ast.AST) -> tuple[ast.AST, list[str]]:
    """Root and attribute names of a method chain, looking through calls and subscripts.

    `spark.read.option("a", 1).csv(x)` -> (Name spark, ["read", "option", "csv"]).
    """
    parts: list[str] = []
    while True:
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            break
    parts.reverse()
    return node, parts


def const_str(node: ast.AST | None) -> str | None:
    """The value of a string constant, folding `"a" + "b"` concatenations."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left = const_str(node.left)
        if left is None:
            return None
        right = const_str(node.right)
        if right is None:
            return None
        return left + right
    return None


def kwarg(call: ast.Call, name: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


def arg_or_kwarg(call: ast.Call, index: int, name: str) -> ast.expr | None:
    if len(call.args) > index and not isinstance(call.args[index], ast.Starred):
        return call.args[index]
    return kwarg(call, name)


# --------------------------------------------------------------------------------------
# Source-level checks (before / besides the AST)
# --------------------------------------------------------------------------------------

_CODING_RE = re.compile(r"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
_NEWLINE = re.compile(r"\r\n|\r|\n")


def source_lines(src: str) -> list[str]:
    """Split lines the way the Python tokenizer does (not str.splitlines, which also splits on \\f, \\x1c...)."""
    return _NEWLINE.split(src)
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def source_checks(ctx: Context) -> None:
    src = ctx.source
    lines = source_lines(src)
    for lineno, line in enumerate(lines[:2], start=1):
        m = _CODING_RE.match(line.lstrip("\ufeff"))
        if m:
            enc = m.group(1).lower().replace("_", "-")
            if enc not in ("utf-8", "utf8"):
                ctx.add("safety.encoding-declaration", None,
                        f"source-encoding declaration {m.group(1)!r} is not allowed (code must be plain UTF-8)",
                        line=lineno, column=1)
    if src.isascii():
        return
    for lineno, line in enumerate(lines, start=1):
        m = _BIDI.search(line)
        if m:
            ctx.add("safety.bidi-control", None,
                    f"bidirectional/invisible control character U+{ord(m.group()):04X} is not allowed",
                    line=lineno, column=m.start() + 1)
    # Identifiers: CPython NFKC-normalises them, so rules already see the normalised name;
    # we additionally reject any non-ASCII identifier (look-alike / homoglyph tricks).
    try:
        for tok in tokenize.generate_tokens(io.StringIO(src).readline):
            if tok.type == tokenize.NAME and not tok.string.isascii():
                ctx.add("safety.non-ascii-identifier", None,
                        f"non-ASCII identifier {tok.string!r} is not allowed (look-alike characters)",
                        line=tok.start[0], column=tok.start[1] + 1)
    except (tokenize.TokenError, SyntaxError, IndentationError, ValueError, RecursionError, MemoryError):
        pass


# --------------------------------------------------------------------------------------
# The walker
# --------------------------------------------------------------------------------------


def build_dispatch(rules: Iterable[Rule]) -> dict[type, tuple[Handler, ...]]:
    table: dict[type, list[Handler]] = {}
    for rule in rules:
        for node_type, handler in rule.handlers().items():
            table.setdefault(node_type, []).append(handler)
    return {k: tuple(v) for k, v in table.items()}


_SKIP_FIELDS = frozenset({"ctx", "op", "ops", "type_comment", "type_ignores"})
_FIELDS: dict[type, tuple[str, ...]] = {}


def _child_fields(node_type: type) -> tuple[str, ...]:
    fields = _FIELDS.get(node_type)
    if fields is None:
        # reversed, so pushing in this order pops children left to right (pre-order DFS)
        fields = tuple(f for f in reversed(node_type._fields) if f not in _SKIP_FIELDS)
        _FIELDS[node_type] = fields
    return fields


def walk(tree: ast.AST, ctx: Context, dispatch: dict[type, tuple[Handler, ...]]) -> None:
    """Visit every node once, parents before children, left to right; iterative (no recursion).

    Expression contexts and operator singletons are skipped (no rule looks at them alone).
    """
    scope_types = frozenset(FUNC_SCOPES + COMPREHENSIONS)
    AST = ast.AST
    stack: list[tuple[ast.AST, int, int]] = [(tree, 0, 0)]
    pop, push = stack.pop, stack.append
    get_handlers = dispatch.get
    max_depth = MAX_AST_DEPTH
    while stack:
        node, depth, scope = pop()
        if depth > max_depth:
            ctx.add("safety.nesting-too-deep", node, f"code is nested more than {max_depth} levels deep")
            continue
        node_type = type(node)
        handlers = get_handlers(node_type)
        if handlers:
            ctx.depth = depth
            ctx.scope_depth = scope
            for handler in handlers:
                handler(node, ctx)
        if node_type in scope_types:
            scope += 1
        depth += 1
        for name in _child_fields(node_type):
            value = getattr(node, name, None)
            if value is None:
                continue
            if type(value) is list:
                for item in reversed(value):
                    if isinstance(item, AST):
                        push((item, depth, scope))
            elif isinstance(value, AST):
                push((value, depth, scope))


def run(code: str, *, framework: str, rules: Iterable[Rule], dispatch: dict[type, tuple[Handler, ...]],
        input_names: Collection[str],
        tables: Collection[str], workflow: Workflow | None, max_code_chars: int) -> ValidationResult:
    start = time.perf_counter()
    sha = code_sha256(code) if isinstance(code, str) else ""
    if workflow is None:
        workflow = derive_workflow(input_names, tables)
    ctx = Context(
        framework=framework,
        workflow=workflow,
        input_names=frozenset(input_names),
        tables=frozenset(t.strip().lower() for t in tables),
        source=code if isinstance(code, str) else "",
    )
    gc_was_enabled = gc.isenabled()
    gc.disable()  # the AST has no cycles; collections triggered by its allocations are pure overhead
    try:
        _validate(code, ctx, list(rules), dispatch, max_code_chars)
    finally:
        if gc_was_enabled:
            gc.enable()
    violations = tuple(sorted(ctx.violations, key=lambda v: (v.line, v.column, v.rule_id)))
    valid = not any(v.severity == ERROR for v in violations)
    return ValidationResult(valid, violations, sha, time.perf_counter() - start)


def _validate(code: str, ctx: Context, rules: list[Rule], dispatch: dict[type, tuple[Handler, ...]],
              max_code_chars: int) -> None:
    if not isinstance(code, str):
        ctx.add("syntax.error", None, "code must be a string", line=1, column=1)
        return
    if len(code) > max_code_chars:
        ctx.add("syntax.too-large", None,
                f"code is {len(code)} characters, more than the limit of {max_code_chars}", line=1, column=1)
        return
    if not code.strip():
        ctx.add("syntax.error", None, "code is empty", line=1, column=1)
        return
    if "\x00" in code:
        before = code[: code.index("\x00")]
        ctx.add("syntax.null-byte", None, "code contains a NUL byte",
                line=before.count("\n") + 1, column=len(before) - (before.rfind("\n") + 1) + 1)
        return
    source_checks(ctx)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning for invalid escapes etc.
            tree = ast.parse(code, filename="<generated>", type_comments=False)
    except SyntaxError as exc:
        msg = exc.msg or "invalid syntax"
        rule = "safety.nesting-too-deep" if "too many nested" in msg or "too complex" in msg else "syntax.error"
        ctx.add(rule, None, f"syntax error: {msg}", line=exc.lineno or 1, column=max(exc.offset or 1, 1))
        return
    except (RecursionError, MemoryError) as exc:
        ctx.add("safety.nesting-too-deep", None,
                f"code is too deeply nested to parse ({type(exc).__name__})", line=1, column=1)
        return
    except (ValueError, TypeError, OverflowError) as exc:
        ctx.add("syntax.error", None, f"code cannot be parsed: {exc}", line=1, column=1)
        return
    walk(tree, ctx, dispatch)
    for rule in rules:
        rule.finish(ctx)
