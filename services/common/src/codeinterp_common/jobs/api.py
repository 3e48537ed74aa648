"""Proto conversions and request checks shared by the Spark and Ray job APIs.

Both supervisors expose the same resource shape (`sparkJobs/*`, `rayJobs/*`); these helpers
keep the two servicers thin and identical in behaviour without copying code.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

from google.protobuf import json_format, struct_pb2

from codeinterp.common.v1 import types_pb2 as t
from codeinterp_common.errors import FailedPrecondition, InvalidArgument, NotFound, Unavailable
from codeinterp_common.jobs.model import JobRecord
from codeinterp_common.jobs.store import JobEventRecord


def encode_inputs(inputs) -> bytes:
    return json.dumps(
        [json_format.MessageToDict(i, preserving_proto_field_name=True) for i in inputs], sort_keys=True
    ).encode()


def decode_inputs(blob: bytes) -> list[t.ExecutionInput]:
    if not blob:
        return []
    return [json_format.ParseDict(d, t.ExecutionInput()) for d in json.loads(blob)]


def encode_limits(limits: t.RunLimits) -> bytes:
    return limits.SerializeToString()


def decode_limits(blob: bytes) -> t.RunLimits:
    limits = t.RunLimits()
    if blob:
        limits.ParseFromString(blob)
    return limits


def job_id_from_name(name: str, collection: str, *, field: str = "name") -> str:
    if not name:
        raise InvalidArgument(f"{field} is required", field=field)
    match = re.fullmatch(rf"{collection}/([a-z][a-z0-9-]{{2,62}})", name)
    if not match:
        raise InvalidArgument(
            f"{field} must look like {collection}/<job id>", field=field, metadata={field: name[:200]}
        )
    return match.group(1)


def job_to_proto(job: JobRecord, message_cls, collection: str):
    """Fills the resource message (SparkJob / RayJob); fields the message lacks are skipped."""
    msg = message_cls()
    fields = msg.DESCRIPTOR.fields_by_name
    msg.name = f"{collection}/{job.id}"
    msg.uid = job.uid
    msg.code = job.code
    msg.code_sha256 = job.code_sha256
    msg.inputs.extend(decode_inputs(job.inputs))
    msg.limits.CopyFrom(decode_limits(job.limits))
    msg.session = job.session
    msg.state = message_cls.State.Value(job.state.value)
    msg.state_message = job.state_message
    msg.state_time.FromNanoseconds(int(job.state_time * 1e9))
    msg.create_time.FromNanoseconds(int(job.create_time * 1e9))
    if job.error_class and job.error_class in t.ErrorClass.keys():
        msg.error_class = t.ErrorClass.Value(job.error_class)
    if job.manifest:
        json_format.ParseDict(job.manifest, msg.manifest, ignore_unknown_fields=True)
    msg.labels.update(job.labels)
    msg.backend_id = job.backend_id
    if "execution_platform" in fields and job.platform in t.ExecutionPlatform.keys():
        msg.execution_platform = t.ExecutionPlatform.Value(job.platform)
    if "effective_platform" in fields and job.effective_platform in t.ExecutionPlatform.keys():
        msg.effective_platform = t.ExecutionPlatform.Value(job.effective_platform)
    if "platform_reason" in fields:
        msg.platform_reason = job.platform_reason
    return msg


def event_to_proto(event: JobEventRecord, job_name: str) -> t.JobEvent:
    out = t.JobEvent(job=job_name, detail=event.detail)
    out.time.FromNanoseconds(int(event.time * 1e9))
    if event.kind == "state":
        out.state = event.value
    else:
        out.log_line = event.value
    return out


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode().rstrip("=")


def _offset(token: str) -> int:
    if not token:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode((token + "=" * (-len(token) % 4)).encode()))
        offset = int(data["o"])
        if offset < 0:
            raise ValueError
        return offset
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidArgument(
            "page_token is not valid", field="page_token", reason="INVALID_PAGE_TOKEN"
        ) from exc


def _json_safe(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
            return str(value)
        return value
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    return str(value)


def _s3_filesystem():
    """pyarrow's S3 filesystem with the service's AWS settings (region, endpoint override);
    credentials come from the AWS SDK's default chain, as for boto3."""
    from urllib.parse import urlsplit

    from pyarrow import fs

    from codeinterp_common.aws import AwsSettings
    from codeinterp_common.config import from_env

    settings = from_env(AwsSettings)
    options: dict[str, Any] = {
        "region": settings.aws_region,
        "connect_timeout": settings.aws_connect_timeout_s,
        "request_timeout": settings.aws_read_timeout_s,
    }
    endpoint = settings.endpoint_for("s3")
    if endpoint:
        parts = urlsplit(endpoint)
        options.update(endpoint_override=parts.netloc, scheme=parts.scheme or "https")
    return fs.S3FileSystem(**options)


def _read_parquet_result(job_id: str, uri: str):
    """The result table from the runner's Parquet output: a local directory, or an s3:// prefix
    (Lambda and EMR Serverless results)."""
    import pyarrow.dataset as ds  # local import: only result paging needs pyarrow

    gone = NotFound(
        f"the result files of job {job_id} are gone", reason="RESULT_FILES_MISSING", metadata={"job": job_id}
    )
    if uri.startswith("s3://"):
        from pyarrow import fs

        filesystem = _s3_filesystem()
        path = uri.removeprefix("s3://").rstrip("/")
        try:
            if filesystem.get_file_info(path).type == fs.FileType.NotFound:
                raise gone
            return ds.dataset(path, format="parquet", filesystem=filesystem).to_table()
        except OSError as exc:
            raise Unavailable(
                f"the result files of job {job_id} cannot be read from S3 now",
                reason="RESULT_STORE_UNAVAILABLE",
                metadata={"job": job_id},
            ) from exc
    path = uri.removeprefix("file://")
    if not Path(path).exists():
        raise gone
    return ds.dataset(path, format="parquet").to_table()


def result_rows_page(job: JobRecord, page_size: int, page_token: str):
    """(schema, rows as ListValues, next token, total) of a SUCCEEDED job's result, read from
    the Parquet output the runner listed in the manifest."""
    if page_size < 0:
        raise InvalidArgument("page_size must not be negative", field="page_size")
    size = min(page_size or 100, 1000)
    if job.state.value != "SUCCEEDED" or not job.manifest:
        raise FailedPrecondition(
            f"job {job.id} has no result (state {job.state.value})",
            reason="NO_RESULT",
            metadata={"job": job.id, "state": job.state.value},
        )
    manifest = json_format.ParseDict(job.manifest, t.ResultManifest(), ignore_unknown_fields=True)
    offset = _offset(page_token)
    total = manifest.row_count
    parquet = [f for f in manifest.files if f.format == "parquet"]
    rows: list[list[Any]] = []
    if manifest.complete or not parquet:
        rows = (
            [list(r) for r in json_format.MessageToDict(manifest)["previewRows"]]
            if manifest.preview_rows
            else []
        )
        total = total or len(rows)
        rows = rows[offset : offset + size]
    else:
        table = _read_parquet_result(job.id, parquet[0].uri)
        for record in table.slice(offset, size).to_pylist():
            rows.append([_json_safe(v) for v in record.values()])
    out_rows = []
    for row in rows:
        lv = struct_pb2.ListValue()
        lv.extend([_json_safe(v) for v in row])
        out_rows.append(lv)
    next_token = _token(offset + size) if offset + size < total else ""
    return list(manifest.schema), out_rows, next_token, total
