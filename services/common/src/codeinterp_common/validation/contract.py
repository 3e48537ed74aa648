"""Contract rules shared by both frameworks: `result` bound, `inputs` used read-only and
only with known names, no rebinding of the injected names, and the judging of reads
(`Context.reads`) against the workflow."""

from __future__ import annotations

import ast

from .core import WARNING, Context, Handler, Read, Rule, Workflow, const_str

INPUTS = "inputs"
_MUTATORS = frozenset({"update", "pop", "popitem", "clear", "setdefault", "__setitem__", "__delitem__"})


def _names(target: ast.AST) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        out: list[str] = []
        for elt in target.elts:
            out.extend(_names(elt))
        return out
    if isinstance(target, ast.Starred):
        return _names(target.value)
    return []


def _is_inputs(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and node.id == INPUTS


def _inputs_iteration(node: ast.AST) -> bool:
    """inputs / inputs.values() / inputs.items() / sorted(inputs.items()) ..."""
    if _is_inputs(node):
        return True
    if isinstance(node, ast.Call):
        f = node.func
        if isinstance(f, ast.Attribute) and f.attr in ("values", "items", "keys") and _is_inputs(f.value):
            return True
        if isinstance(f, ast.Name) and f.id in ("sorted", "list", "enumerate", "tuple", "reversed") and node.args:
            return _inputs_iteration(node.args[0])
    return False


def input_access(node: ast.AST | None) -> bool:
    """`inputs["x"]` or `inputs.get("x")`."""
    if isinstance(node, ast.Subscript) and _is_inputs(node.value):
        return True
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get" and _is_inputs(node.func.value))


def input_derived(node: ast.AST | None, ctx: Context) -> bool:
    if node is None:
        return False
    if input_access(node):
        return True
    if isinstance(node, ast.Name):
        return node.id in ctx.input_vars and node.id not in ctx.clobbered
    if isinstance(node, (ast.List, ast.Tuple)) and node.elts:
        return all(input_derived(e, ctx) for e in node.elts)
    return False


class ContractRule(Rule):
    def handlers(self) -> dict[type, Handler]:
        return {
            ast.Subscript: self.on_subscript,
            ast.Call: self.on_call,
            ast.Name: self.on_name,
            ast.Assign: self.on_assign,
            ast.AnnAssign: self.on_assign,
            ast.NamedExpr: self.on_assign,
            ast.AugAssign: self.on_augassign,
            ast.For: self.on_for,
            ast.comprehension: self.on_for,
        }

    def _literal_input(self, ctx: Context, key_node: ast.AST, node: ast.AST) -> None:
        key = const_str(key_node)
        if key is None or not isinstance(key_node, ast.Constant):
            ctx.inputs_fully_used = True  # inputs[name] in a loop: can only yield known keys
            return
        ctx.used_inputs.add(key)
        if key not in ctx.input_names:
            known = ", ".join(sorted(ctx.input_names)) or "none"
            ctx.add("contract.input-unknown", node, f"unknown input {key!r} (known inputs: {known})")

    def on_subscript(self, node: ast.Subscript, ctx: Context) -> None:
        if not _is_inputs(node.value):
            return
        ctx.marks.add(id(node.value))
        if not isinstance(node.ctx, ast.Load):
            ctx.add("contract.inputs-modified", node, "`inputs` is read-only")
            return
        self._literal_input(ctx, node.slice, node)

    def on_call(self, node: ast.Call, ctx: Context) -> None:
        f = node.func
        if isinstance(f, ast.Attribute) and _is_inputs(f.value):
            if f.attr == "get":
                ctx.marks.add(id(f.value))
                if node.args:
                    self._literal_input(ctx, node.args[0], node)
            elif f.attr in _MUTATORS:
                ctx.marks.add(id(f.value))
                ctx.add("contract.inputs-modified", node, f"inputs.{f.attr}() modifies the read-only `inputs`")

    def on_name(self, node: ast.Name, ctx: Context) -> None:
        name = node.id
        if isinstance(node.ctx, ast.Load):
            if name == INPUTS and id(node) not in ctx.marks:
                ctx.inputs_fully_used = True
            return
        if ctx.scope_depth == 0:
            if (0, name) in ctx.defined:
                ctx.add("safety.redefinition", node,
                        f"{name!r} rebinds the function/class defined on line {ctx.defined[(0, name)]}")
            if name == "result":
                ctx.result_bound = True
            elif name == INPUTS:
                ctx.add("contract.reserved-name-rebound", node, "`inputs` must not be rebound")
            elif name == "spark" and id(node) not in ctx.marks:
                ctx.add("contract.reserved-name-rebound", node,
                        "`spark` must not be rebound (use the provided session)")
            elif name == "ray":
                ctx.add("contract.reserved-name-rebound", node, "`ray` must not be rebound")

    def on_assign(self, node: ast.Assign | ast.AnnAssign | ast.NamedExpr, ctx: Context) -> None:
        value = node.value
        if value is None:
            return
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if input_derived(value, ctx) or (isinstance(value, ast.Name) and value.id in ctx.input_vars):
            for t in targets:
                ctx.input_vars.update(_names(t))
        else:
            for t in targets:
                ctx.clobbered.update(_names(t))  # `p = inputs["x"]; p = "/etc/passwd"` must not pass
        if isinstance(value, ast.Name) and value.id in ctx.aliases:
            # `r = ray`: treat the new name as an alias of the module
            for t in targets:
                for n in _names(t):
                    ctx.aliases[n] = ctx.aliases[value.id]

    def on_augassign(self, node: ast.AugAssign, ctx: Context) -> None:
        ctx.clobbered.update(_names(node.target))

    def on_for(self, node: ast.For | ast.comprehension, ctx: Context) -> None:
        if _inputs_iteration(node.iter):
            ctx.input_vars.update(_names(node.target))
        else:
            ctx.clobbered.update(_names(node.target))


def finish_contract(ctx: Context, *, framework_label: str) -> None:
    """Whole-program contract checks, run by the framework rule's finish()."""
    if not ctx.result_bound:
        ctx.add("contract.result-not-bound", None,
                "the code must bind its answer to a top-level variable named `result`", line=1, column=1)
    reads_data = bool(ctx.reads)
    if ctx.workflow is Workflow.CSV:
        if ctx.input_names and not reads_data:
            ctx.add("contract.no-input-read", None,
                    f"the code never reads its inputs (read them with {framework_label})", line=1, column=1)
        if not ctx.inputs_fully_used:
            for name in sorted(ctx.input_names - ctx.used_inputs):
                ctx.add("contract.input-unused", None, f"input {name!r} is never used",
                        severity=WARNING, line=1, column=1)
    elif ctx.workflow is Workflow.CATALOG:
        if not reads_data:
            ctx.add("contract.no-input-read", None,
                    "the code never reads the selected tables (use spark.table(\"db.table\"))", line=1, column=1)
        for table in sorted(ctx.tables - ctx.used_tables):
            if not ctx.inputs_fully_used:
                ctx.add("contract.table-unused", None, f"selected table {table!r} is never used",
                        severity=WARNING, line=1, column=1)


def check_read_arg(ctx: Context, read: Read, how: str) -> None:
    """CSV workflow: a file read's path must come from `inputs`."""
    arg = read.arg
    if arg is None:
        ctx.add("workflow.read-not-input", read.node, f"{read.method}() without a path: pass inputs[\"name\"]")
        return
    if input_derived(arg, ctx):
        return
    literal = const_str(arg)
    if literal is not None:
        ctx.add("workflow.literal-path", arg, f"literal path {literal[:60]!r}: read only through {how}")
    else:
        ctx.add("workflow.read-not-input", arg, f"{read.method}() must read a path from {how}")
