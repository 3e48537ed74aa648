"""Where a Spark job runs in AWS mode: LAMBDA, EMR_SERVERLESS or (when allowed) LOCAL.

`decide` is a pure function of the requested platform, the inputs' kinds and sizes and the
policy; it returns the platform and a human-readable reason, or raises FailedPrecondition
with a machine-readable reason. `Router` fills in unknown sizes first (S3 HEAD/list for
files, Glue table statistics or a listing of the table's location) through an `InputSizer`,
then decides. Rules (AUTO):

* no inputs (a calculation) -> LAMBDA;
* any catalog TABLE -> EMR_SERVERLESS, unless every table's size is known and at most the
  small-table limit and the total is at most the threshold (then LAMBDA);
* files: total size <= threshold (default 500 MB) -> LAMBDA, above -> EMR_SERVERLESS;
  a size that cannot be measured -> EMR_SERVERLESS (it handles any size);
* a platform that is not configured is never chosen; the other one is, with that reason.

Explicit requests: LAMBDA above the Lambda input limit is refused (INPUT_TOO_LARGE_FOR_LAMBDA);
an unconfigured platform is refused (PLATFORM_NOT_CONFIGURED); LOCAL only when the
`allow_local` setting is on (LOCAL_NOT_ALLOWED).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from codeinterp.common.v1 import types_pb2 as t
from codeinterp_common.aws import split_s3_uri
from codeinterp_common.errors import FailedPrecondition, NotFound

log = logging.getLogger(__name__)

MB = 1024 * 1024

LOCAL, LAMBDA, EMR = "LOCAL", "LAMBDA", "EMR_SERVERLESS"


@dataclass(frozen=True)
class RoutingPolicy:
    threshold_bytes: int = 500 * MB
    small_table_bytes: int = 100 * MB
    lambda_max_bytes: int = 1024 * MB
    allow_local: bool = False
    lambda_configured: bool = True
    emr_configured: bool = True


@dataclass(frozen=True)
class SizedInput:
    name: str
    kind: str  # "FILE" | "TABLE"
    size_bytes: int | None  # None: unknown (could not be measured)


@dataclass(frozen=True)
class Decision:
    platform: str
    reason: str


def _mb(size: int) -> str:
    return f"{size / MB:.1f} MB" if size >= MB // 10 else f"{size} bytes"


def _requested_name(requested: int | str) -> str:
    if isinstance(requested, str):
        return requested or "AUTO"
    if requested in (t.EXECUTION_PLATFORM_UNSPECIFIED, t.AUTO):
        return "AUTO"
    return {t.LOCAL: LOCAL, t.LAMBDA: LAMBDA, t.EMR_SERVERLESS: EMR}.get(requested, "AUTO")


def _not_configured(platform: str) -> FailedPrecondition:
    return FailedPrecondition(
        f"{platform} is not configured on this deployment",
        reason="PLATFORM_NOT_CONFIGURED",
        metadata={"platform": platform, "mode": "aws"},
    )


def decide(requested: int | str, inputs: Iterable[SizedInput], policy: RoutingPolicy) -> Decision:
    """The platform for a job and why. Pure: every size must already be filled in (or None)."""
    items = list(inputs)
    want = _requested_name(requested)
    files = [i for i in items if i.kind != "TABLE"]
    tables = [i for i in items if i.kind == "TABLE"]
    known = [i.size_bytes for i in items if i.size_bytes is not None]
    total = sum(known)
    unknown = [i.name for i in items if i.size_bytes is None]
    size_text = _mb(total) + (f" + unknown ({', '.join(unknown)})" if unknown else "")

    if want == LOCAL:
        if not policy.allow_local:
            raise FailedPrecondition(
                "LOCAL is not allowed in AWS mode on this deployment (setting allow_local)",
                reason="LOCAL_NOT_ALLOWED",
                metadata={"platform": LOCAL, "mode": "aws"},
            )
        return Decision(LOCAL, f"requested LOCAL ({size_text} of input)")
    if want == LAMBDA:
        if not policy.lambda_configured:
            raise _not_configured(LAMBDA)
        if total > policy.lambda_max_bytes:
            raise FailedPrecondition(
                f"the inputs are {_mb(total)}, above what Lambda accepts ({_mb(policy.lambda_max_bytes)}); "
                "use EMR_SERVERLESS or AUTO",
                reason="INPUT_TOO_LARGE_FOR_LAMBDA",
                metadata={"input_bytes": total, "lambda_max_bytes": policy.lambda_max_bytes},
            )
        return Decision(LAMBDA, f"requested LAMBDA ({size_text} of input)")
    if want == EMR:
        if not policy.emr_configured:
            raise _not_configured(EMR)
        return Decision(EMR, f"requested EMR_SERVERLESS ({size_text} of input)")

    # AUTO
    choice, why = _auto(items, files, tables, total, unknown, policy)
    if choice == LAMBDA and not policy.lambda_configured:
        if not policy.emr_configured:
            raise _not_configured("LAMBDA or EMR_SERVERLESS")
        return Decision(EMR, f"auto: {why}, but Lambda is not configured")
    if choice == EMR and not policy.emr_configured:
        if not policy.lambda_configured:
            raise _not_configured("LAMBDA or EMR_SERVERLESS")
        if total > policy.lambda_max_bytes or unknown:
            raise FailedPrecondition(
                f"auto: {why}, and EMR Serverless is not configured",
                reason="PLATFORM_NOT_CONFIGURED",
                metadata={"platform": EMR, "input_bytes": total},
            )
        return Decision(LAMBDA, f"auto: {why}, but EMR Serverless is not configured")
    return Decision(choice, f"auto: {why}")


def _auto(items, files, tables, total, unknown, policy: RoutingPolicy) -> tuple[str, str]:
    threshold = _mb(policy.threshold_bytes)
    if not items:
        return LAMBDA, "no input data (a calculation)"
    if tables:
        big = [i for i in tables if i.size_bytes is None or i.size_bytes > policy.small_table_bytes]
        if big:
            first = big[0]
            size = "size unknown" if first.size_bytes is None else _mb(first.size_bytes)
            return EMR, (
                f"catalog table {first.name} ({size}) is not a small table "
                f"(<= {_mb(policy.small_table_bytes)}): tables run on EMR Serverless"
            )
    if unknown:
        return EMR, f"the size of {', '.join(unknown)} could not be measured: EMR Serverless handles any size"
    if total <= policy.threshold_bytes:
        what = "small catalog tables and files" if tables else "input files"
        return LAMBDA, f"{what} total {_mb(total)} <= threshold {threshold}"
    return EMR, f"inputs total {_mb(total)} > threshold {threshold}"


# -------------------------------------------------------------------------- measuring


class InputSizer(Protocol):
    def measure(self, item: t.ExecutionInput) -> int | None:
        """Size in bytes of the input's data, or None when it cannot be known.
        Raises NotFound when the input does not exist."""


class S3GlueSizer:
    """Sizes from S3 (HEAD for an object, a ListObjectsV2 paginator over a prefix) and Glue
    (table parameters `sizeKey` / `totalSize` written by crawlers and ANALYZE, else a listing
    of the table's storage location)."""

    SIZE_KEYS = ("sizeKey", "totalSize", "rawDataSize")

    def __init__(self, s3_client, glue_client=None) -> None:
        self.s3 = s3_client
        self.glue = glue_client

    def measure(self, item: t.ExecutionInput) -> int | None:
        if item.kind == t.ExecutionInput.TABLE:
            return self._table_size(item)
        if not item.uri.startswith("s3://"):
            return None
        return self._s3_size(item.uri, item.name)

    def _s3_size(self, uri: str, name: str) -> int | None:
        from botocore.exceptions import ClientError

        bucket, key = split_s3_uri(uri)
        if key and not key.endswith("/"):
            try:
                return int(self.s3.head_object(Bucket=bucket, Key=key)["ContentLength"])
            except ClientError as err:
                code = err.response.get("Error", {}).get("Code", "")
                if code not in ("404", "NoSuchKey", "NotFound"):
                    log.warning("S3 HEAD failed", extra={"input": name, "code": code})
                    return None
        # a prefix (a directory of part files), or a key that is not an object
        total, count = 0, 0
        prefix = key if not key or key.endswith("/") else key + "/"
        try:
            for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
                for obj in page.get("Contents", []):
                    total += int(obj["Size"])
                    count += 1
        except ClientError as err:
            log.warning(
                "S3 list failed", extra={"input": name, "code": err.response.get("Error", {}).get("Code")}
            )
            return None
        if count == 0:
            raise NotFound(
                f"input {name}: nothing at {uri}",
                reason="INPUT_NOT_FOUND",
                metadata={"input": name, "uri": uri},
            )
        return total

    def _table_size(self, item: t.ExecutionInput) -> int | None:
        from botocore.exceptions import ClientError

        location = item.uri
        if self.glue is not None and item.table.database and item.table.table:
            try:
                table = self.glue.get_table(DatabaseName=item.table.database, Name=item.table.table)["Table"]
            except ClientError as err:
                code = err.response.get("Error", {}).get("Code", "")
                if code == "EntityNotFoundException":
                    raise NotFound(
                        f"table {item.table.database}.{item.table.table} not found in the catalog",
                        reason="TABLE_NOT_FOUND",
                        metadata={"table": f"{item.table.database}.{item.table.table}"},
                    ) from None
                log.warning("Glue get_table failed", extra={"input": item.name, "code": code})
                return None
            params = table.get("Parameters", {}) or {}
            for key in self.SIZE_KEYS:
                value = params.get(key)
                if value not in (None, "") and str(value).lstrip("-").isdigit() and int(value) >= 0:
                    return int(value)
            location = location or table.get("StorageDescriptor", {}).get("Location", "")
        if location.startswith("s3://"):
            try:
                return self._s3_size(location if location.endswith("/") else location + "/", item.name)
            except NotFound:
                return 0  # an empty table
        return None


class Router:
    """`choose_platform` for JobService in AWS mode: measures unknown sizes, then decides."""

    def __init__(self, policy: RoutingPolicy, sizer: InputSizer | None) -> None:
        self.policy = policy
        self.sizer = sizer

    def sized(self, inputs: list[t.ExecutionInput], requested: str) -> list[SizedInput]:
        out = []
        for item in inputs:
            kind = "TABLE" if item.kind == t.ExecutionInput.TABLE else "FILE"
            size: int | None = item.size_bytes if item.size_bytes > 0 else None
            # measuring costs a call per input: only when the answer can change the decision
            if size is None and requested in ("AUTO", LAMBDA) and self.sizer is not None:
                size = self.sizer.measure(item)
            out.append(SizedInput(item.name, kind, size))
        return out

    def choose_sync(self, requested: int, inputs: list[t.ExecutionInput]) -> tuple[str, str]:
        want = _requested_name(requested)
        decision = decide(want, self.sized(inputs, want), self.policy)
        return decision.platform, decision.reason

    async def __call__(self, requested: int, inputs: list[t.ExecutionInput]) -> tuple[str, str]:
        return await asyncio.to_thread(self.choose_sync, requested, list(inputs))


# -------------------------------------------------------------------------- escalation


class EscalatingEngine:
    """Lambda first; a run that hit the function's own limits (out of memory, function
    timeout, /tmp full: `should_escalate`, the LambdaEngine's "lambda-limit:" marker) is
    re-run ONCE on EMR Serverless with the same pinned code (the same job record). The switch
    is streamed as a "platform" log line and recorded on the job (`effective_platform`,
    `platform_reason`) through `record(job_id, **fields)`. The EMR run gets the job's full
    time limit again."""

    platform = LAMBDA

    def __init__(self, primary, fallback, *, should_escalate, record) -> None:
        self.primary = primary
        self.fallback = fallback
        self.should_escalate = should_escalate
        self.record = record
        self._active: dict[str, object] = {}
        self._cancelled: set[str] = set()

    async def run(self, job, on_log):
        self._active[job.id] = self.primary
        try:
            outcome = await self.primary.run(job, on_log)
            if job.id in self._cancelled or not self.should_escalate(outcome):
                return outcome
            first_line = (outcome.error or "").splitlines()[0][:300] if outcome.error else outcome.error_class
            reason = f"escalated to {EMR}: the Lambda run hit the function's limits ({first_line})"
            on_log("platform", f"platform {EMR}: {reason}")
            self.record(
                job.id,
                effective_platform=EMR,
                platform_reason=f"{job.platform_reason}; {reason}" if job.platform_reason else reason,
            )
            self._active[job.id] = self.fallback
            return await self.fallback.run(job, on_log)
        finally:
            self._active.pop(job.id, None)
            self._cancelled.discard(job.id)

    async def cancel(self, job_id: str) -> bool:
        self._cancelled.add(job_id)
        engine = self._active.get(job_id)
        return await engine.cancel(job_id) if engine is not None else False

    async def reattach(self, job, on_log):
        if job.effective_platform == EMR:
            return await self.fallback.reattach(job, on_log)
        return await self.primary.reattach(job, on_log)
