"""Helpers shared by the bad-input tests (imported, not a conftest)."""

from __future__ import annotations

from codeinterp_common.validation import ValidationResult, validate_ray, validate_spark

SPARK_READ = 'df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)\n'
RAY_READ = 'import ray\nds = ray.data.read_csv(inputs["sales"])\n'


def spark(
    body: str, *, inputs: tuple[str, ...] = ("sales",), tables: tuple[str, ...] = ()
) -> ValidationResult:
    """Validate a Spark program: the CSV read, then `body`, then `result = df` unless body binds it."""
    code = (SPARK_READ if inputs else "") + body
    if "result" not in body:
        code += "result = df\n"
    return validate_spark(code, input_names=inputs, tables=tables)


def ray(body: str, *, inputs: tuple[str, ...] = ("sales",)) -> ValidationResult:
    code = (RAY_READ if inputs else "import ray\n") + body
    if "result" not in body:
        code += "result = ds\n"
    return validate_ray(code, input_names=inputs)


def rejected(result: ValidationResult, *rules: str) -> bool:
    """Rejected, and (when rules are given) at least one of them fired."""
    return (not result.valid) and (not rules or bool(result.rule_ids & set(rules)))


def explain(result: ValidationResult) -> str:
    return "\n".join(str(v) for v in result.violations) or "(accepted, no violations)"
