"""Runs the shared validator for a framework and returns the proto ValidationReport."""

from __future__ import annotations

from google.protobuf import duration_pb2

from codeinterp.common.v1 import types_pb2 as t

_WORKFLOWS = {t.CSV: "CSV", t.CATALOG: "CATALOG", t.NONE: "NONE"}


def table_name(i: t.ExecutionInput) -> str:
    return f"{i.table.database}.{i.table.table}" if i.table.database else ""


def validate(framework: str, code: str, inputs: list[t.ExecutionInput], workflow: int) -> t.ValidationReport:
    from codeinterp_common import validation as v

    wf = v.Workflow[_WORKFLOWS[workflow]] if workflow in _WORKFLOWS else None
    tables = [table_name(i) for i in inputs if i.kind == t.ExecutionInput.TABLE and i.table.database]
    names = [i.name for i in inputs]
    if framework == "ray":
        # Ray has no catalog API: a table input is handed to the code as its files (inputs[name]).
        tables = []
        if wf is v.Workflow.CATALOG:
            wf = v.Workflow.CSV
    fn = v.validate_spark if framework == "spark" else v.validate_ray
    result = fn(code, input_names=names, tables=tables, workflow=wf)
    report = t.ValidationReport(valid=result.valid, code_sha256=result.code_sha256)
    for violation in result.violations:
        report.violations.add(
            rule_id=violation.rule_id,
            message=violation.message,
            line=violation.line,
            column=violation.column,
            severity=t.Violation.WARNING if violation.severity == "warning" else t.Violation.ERROR,
        )
    report.duration.CopyFrom(
        duration_pb2.Duration(nanos=int(result.duration_s * 1e9) % 10**9, seconds=int(result.duration_s))
    )
    return report
