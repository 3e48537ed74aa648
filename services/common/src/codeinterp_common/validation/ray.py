"""Ray validator: Ray escape hatches (runtime_env, ray.init to other clusters, Ray client,
runtime context, jobs/state APIs, named/detached actors), framework and workflow rules."""

from __future__ import annotations

import ast

from .contract import ContractRule, check_read_arg, finish_contract
from .core import Context, Handler, Read, Rule, Workflow, dotted_name
from .safety import COMMON_MODULES, DATAFRAME_MODULES, SafetyRule

RAY_MODULES = COMMON_MODULES | DATAFRAME_MODULES | frozenset({
    "ray", "ray.data", "ray.data.aggregate", "ray.util", "ray.util.actor_pool", "ray.exceptions",
})
RAY_TOP_OK = frozenset({
    "data", "remote", "get", "put", "wait", "init", "is_initialized", "kill", "cancel", "method", "util",
    "exceptions", "available_resources", "cluster_resources", "get_gpu_ids", "ObjectRef",
    "ObjectRefGenerator", "DynamicObjectRefGenerator",
})
RAY_UTIL_OK = frozenset({"ActorPool", "actor_pool", "as_completed"})
INIT_KWARGS_OK = frozenset({"ignore_reinit_error", "log_to_driver", "logging_level", "configure_logging"})
RAY_READ_OK = frozenset({"read_csv"})
RAY_FROM_OK = frozenset({"from_pandas", "from_items", "from_arrow", "from_numpy", "from_pandas_refs",
                         "from_arrow_refs", "from_numpy_refs", "range", "range_tensor", "from_blocks"})
NAMED_ACTOR_KWARGS = frozenset({"name", "namespace", "lifetime", "get_if_exists"})

_RT = ("safety.ray-runtime-context", "the runtime context exposes job/node/actor ids of other jobs")
RAY_NAME_RULES: dict[str, tuple[str, str]] = {
    "get_runtime_context": _RT,
    "RuntimeContext": _RT,
    "job_submission": ("safety.ray-jobs-api", "the Ray Jobs API can submit or stop other jobs"),
    "JobSubmissionClient": ("safety.ray-jobs-api", "the Ray Jobs API can submit or stop other jobs"),
    "get_actor": ("safety.ray-named-actor", "looking up named actors reaches into other jobs"),
    "RuntimeEnv": ("safety.runtime-env", "runtime_env installs and runs arbitrary code"),
    "runtime_env": ("safety.runtime-env", "runtime_env installs and runs arbitrary code"),
    "SparkSession": ("framework.pyspark-in-ray", "PySpark cannot be used on the Ray backend"),
    "list_jobs": ("safety.ray-state-api", "the state API lists other jobs"),
    "list_actors": ("safety.ray-state-api", "the state API lists other jobs' actors"),
}


def classify_ray(dotted: str) -> tuple[str, str] | None:
    parts = dotted.split(".")
    if parts[0] == "pyspark":
        return ("framework.pyspark-in-ray", "PySpark cannot be used on the Ray backend")
    if parts[0] != "ray" or len(parts) < 2:
        return None
    p1 = parts[1]
    if p1 == "util":
        if len(parts) > 2:
            p2 = parts[2]
            if p2 == "client" or p2 == "connect":
                return ("safety.ray-client", "the Ray client connects to other clusters")
            if p2 == "state":
                return ("safety.ray-state-api", "the state API exposes other jobs")
            if p2 not in RAY_UTIL_OK:
                return ("safety.ray-api", f"ray.util.{p2} is not allowed")
        return None
    if p1 in ("client", "connect"):
        return ("safety.ray-client", "the Ray client connects to other clusters")
    if p1 in ("get_runtime_context", "runtime_context"):
        return _RT
    if p1 in ("job_submission", "job_config", "JobConfig", "dashboard"):
        return ("safety.ray-jobs-api", "the Ray Jobs/dashboard API can submit or stop other jobs")
    if p1 == "get_actor":
        return ("safety.ray-named-actor", "looking up named actors reaches into other jobs")
    if p1 == "runtime_env":
        return ("safety.runtime-env", "runtime_env installs and runs arbitrary code")
    if p1 == "shutdown":
        return ("contract.ray-shutdown", "the code must not shut Ray down")
    if p1 not in RAY_TOP_OK:
        return ("safety.ray-api", f"ray.{p1} is not allowed in generated code")
    return None


class RayRule(Rule):
    def handlers(self) -> dict[type, Handler]:
        return {
            ast.Call: self.on_call,
            ast.Name: self.on_name,
            ast.Attribute: self.on_attribute,
            ast.Import: self.on_import,
            ast.ImportFrom: self.on_import,
        }

    def on_import(self, node: ast.Import | ast.ImportFrom, ctx: Context) -> None:
        mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
        for m in mods:
            root = m.split(".")[0]
            if root == "ray":
                ctx.uses_ray = True
            elif root in ("pandas", "numpy", "pyarrow"):
                ctx.uses_dataframe_lib = True

    def on_name(self, node: ast.Name, ctx: Context) -> None:
        if not isinstance(node.ctx, ast.Load):
            return
        if node.id == "spark":
            ctx.add("framework.pyspark-in-ray", node, "`spark` is not available on the Ray backend")
        elif id(node) not in ctx.called and (ctx.aliases.get(node.id) or "").startswith("ray.data.read_"):
            ctx.add("workflow.read-not-input", node, f"{node.id} must be called directly")

    def on_attribute(self, node: ast.Attribute, ctx: Context) -> None:
        if node.attr.startswith("read_") and id(node) not in ctx.called and isinstance(node.ctx, ast.Load):
            ctx.add("workflow.read-not-input", node,
                    f"{node.attr} must be called directly (readers cannot be passed around)")

    def on_call(self, node: ast.Call, ctx: Context) -> None:
        func = node.func
        dotted = dotted_name(func)
        resolved = ctx.resolve(dotted) if dotted else None
        attr = func.attr if isinstance(func, ast.Attribute) else (func.id if isinstance(func, ast.Name) else "")
        if isinstance(func, ast.Name) and resolved:
            attr = resolved.rsplit(".", 1)[-1]  # `from ray.data import read_csv as rc`
        for kw in node.keywords:
            if kw.arg == "runtime_env":
                ctx.add("safety.runtime-env", kw.value, "runtime_env installs and runs arbitrary code")
        is_remote_opts = attr == "options" or resolved in ("ray.remote", "ray.init", "ray.method")
        if is_remote_opts:
            for kw in node.keywords:
                if kw.arg is None:
                    ctx.add("safety.runtime-env", kw.value,
                            f"**kwargs in {attr}() hide options such as runtime_env; pass them explicitly")
                elif kw.arg in NAMED_ACTOR_KWARGS and resolved != "ray.init":
                    ctx.add("safety.ray-named-actor", kw.value,
                            f"{kw.arg}= creates named/detached actors visible to other jobs")
        if resolved == "ray.init":
            if node.args:
                ctx.add("safety.ray-init-address", node, "ray.init(address) connects to another cluster")
            for kw in node.keywords:
                if kw.arg is not None and kw.arg not in INIT_KWARGS_OK and kw.arg != "runtime_env":
                    ctx.add("safety.ray-init-address", kw.value,
                            f"ray.init({kw.arg}=...) is not allowed (Ray is already initialised)")
        elif resolved in ("ray.ObjectRef", "ray.ObjectRefGenerator"):
            ctx.add("safety.ray-api", node, "constructing object references is not allowed")
        elif attr.startswith("read_") and not (resolved or "").startswith(("pandas.", "numpy.", "pyarrow.")):
            path = node.args[0] if node.args else None
            if path is None:
                for kw in node.keywords:
                    if kw.arg in ("paths", "path"):
                        path = kw.value
            ctx.reads.append(Read("file", node, path, attr))
            for kw in node.keywords:
                if kw.arg in ("filesystem", "partitioning", "meta_provider", "datasource"):
                    ctx.add("workflow.unsupported-source", kw.value, f"{attr}({kw.arg}=...) is not allowed")
        elif attr.startswith("from_") and (resolved or "").startswith("ray.data.") and attr not in RAY_FROM_OK:
            ctx.add("workflow.unsupported-source", node, f"ray.data.{attr}() is not allowed")

    def finish(self, ctx: Context) -> None:
        if ctx.workflow is Workflow.CATALOG:
            ctx.add("workflow.catalog-unsupported", None,
                    "catalog tables are only supported on the Spark backend", line=1, column=1)
        if not ctx.uses_ray and (ctx.workflow is Workflow.CSV or ctx.uses_dataframe_lib):
            ctx.add("framework.not-ray", None,
                    "the code does not use Ray (import ray; ray.data.read_csv / @ray.remote)", line=1, column=1)
        for read in ctx.reads:
            if ctx.workflow is Workflow.NONE:
                ctx.add("workflow.read-in-none-workflow", read.node, "this question has no inputs; do not read data")
                continue
            if ctx.workflow is Workflow.CATALOG:
                continue
            if read.method not in RAY_READ_OK:
                ctx.add("workflow.unsupported-source", read.node,
                        f"{read.method}(): CSV inputs are read with ray.data.read_csv")
            check_read_arg(ctx, read, 'inputs["name"]')
        finish_contract(ctx, framework_label='ray.data.read_csv(inputs["name"])')


def ray_rules() -> list[Rule]:
    return [
        SafetyRule(allowed_modules=RAY_MODULES, name_rules=RAY_NAME_RULES, classify_dotted=classify_ray),
        ContractRule(),
        RayRule(),
    ]
