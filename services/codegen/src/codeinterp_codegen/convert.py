"""Proto ↔ domain conversion for codegen (no business rules)."""

from __future__ import annotations

from typing import Any

from google.protobuf import duration_pb2

from codeinterp.codegen.v1 import codegen_service_pb2 as pb
from codeinterp.common.v1 import types_pb2 as types
from codeinterp_codegen.domain.providers import (
    CodegenRequest,
    CodegenResult,
    Column,
    DataInput,
    PreviousAttempt,
)
from codeinterp_common.errors import InvalidArgument

_FRAMEWORKS = {types.SPARK: "spark", types.RAY: "ray"}
_WORKFLOWS = {
    types.WORKFLOW_UNSPECIFIED: None,
    types.CSV: "csv",
    types.CATALOG: "catalog",
    types.NONE: "none",
}
_KINDS = {types.ExecutionInput.CSV_FILE: "csv", types.ExecutionInput.TABLE: "table"}
_CSV_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".txt")


def request_from_proto(request: pb.GenerateCodeRequest) -> CodegenRequest:
    framework = _FRAMEWORKS.get(request.framework)
    if framework is None:
        raise InvalidArgument(
            "framework is required: SPARK or RAY", field="framework", reason="INVALID_REQUEST"
        )
    if request.workflow not in _WORKFLOWS:
        raise InvalidArgument("unknown workflow", field="workflow", reason="INVALID_REQUEST")
    previous = None
    if request.HasField("previous_attempt"):
        p = request.previous_attempt
        previous = PreviousAttempt(
            code=p.code,
            error=p.error,
            error_class=types.ErrorClass.Name(p.error_class)
            if p.error_class in types.ErrorClass.values() and p.error_class
            else "",
            failing_line=max(0, p.failing_line),
        )
    return CodegenRequest(
        framework=framework,  # type: ignore[arg-type]
        prompt=request.prompt,
        inputs=tuple(_input(i, n) for n, i in enumerate(request.inputs)),
        workflow=_WORKFLOWS[request.workflow],  # type: ignore[arg-type]
        previous_attempt=previous,
        provider=request.provider,
        model=request.model,
        skip_cache=request.skip_cache,
    )


def _input(item: types.ExecutionInput, n: int) -> DataInput:
    kind = _KINDS.get(item.kind)
    if kind is None:
        raise InvalidArgument(
            "input kind is required: CSV_FILE or TABLE", field=f"inputs[{n}].kind", reason="INVALID_REQUEST"
        )
    table = None
    if item.HasField("table") and (item.table.database or item.table.table):
        if not (item.table.database and item.table.table):
            raise InvalidArgument(
                "a table reference needs database and table",
                field=f"inputs[{n}].table",
                reason="INVALID_REQUEST",
            )
        table = f"{item.table.database}.{item.table.table}"
    has_format = item.HasField("csv_format")
    delimiter = item.csv_format.delimiter if has_format and item.csv_format.delimiter else ","
    header = item.csv_format.header if has_format else True
    if kind == "csv" or has_format or item.uri.lower().endswith(_CSV_SUFFIXES):
        file_format = "csv"
    else:
        file_format = "parquet"  # catalog tables without CSV metadata: columnar files
    return DataInput(
        name=item.name,
        kind=kind,  # type: ignore[arg-type]
        columns=tuple(Column(c.name, c.type or "string", c.description) for c in item.columns),
        table=table,
        sample_rows=tuple(tuple(_cell(v) for v in row.values) for row in item.sample_rows),
        data_version=item.data_version,
        file_format=file_format,
        delimiter=delimiter,
        header=header,
    )


def _cell(value: Any) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "null_value" or kind is None:
        return None
    if kind == "number_value":
        v = value.number_value
        return int(v) if v.is_integer() and abs(v) < 2**53 else v
    if kind == "string_value":
        return value.string_value
    if kind == "bool_value":
        return value.bool_value
    if kind == "list_value":
        return [_cell(v) for v in value.list_value.values]
    return {k: _cell(v) for k, v in value.struct_value.fields.items()}


def response_to_proto(result: CodegenResult) -> pb.GenerateCodeResponse:
    latency = duration_pb2.Duration()
    latency.FromNanoseconds(max(0, int(round(result.latency_s * 1e9))))
    return pb.GenerateCodeResponse(
        code=result.code,
        provider=result.provider,
        model=result.model,
        cached=result.cached,
        plan_json=result.plan_json,
        explanation=result.explanation,
        usage=pb.TokenUsage(input_tokens=result.usage.input_tokens, output_tokens=result.usage.output_tokens),
        latency=latency,
    )
