"""AWS Lambda entry point: one codeinterp Spark job in local-mode Spark inside the function.

Handler: ``codeinterp_spark_supervisor.lambda_handler.handler`` (the image in
``deploy/docker/lambda.Dockerfile``). The spark-supervisor's ``LambdaEngine`` invokes it
synchronously (``RequestResponse``, no retries).

Payload (JSON object)::

    {
      "job_id": "sj-abc...",                 # required; [a-z0-9-]
      "code": "result = ...",                # the generated PySpark code, or
      "code_s3_uri": "s3://b/p/jobs/ID/code.py",   # ...the code in S3 (one of the two)
      "code_sha256": "<hex>",                # required; sha256 of the UTF-8 code, verified here
      "inputs": {                            # logical name -> where the data is
        "sales": {"kind": "csv", "uri": "s3://b/p/sessions/S/datasets/sales.csv",
                  "delimiter": ",", "header": true, "encoding": "utf-8", "quote": "\\""},
        "orders": {"kind": "table", "table": "db.orders", "uri": "s3://b/warehouse/orders/",
                   "format": "parquet"}
      },
      "output_prefix": "s3://b/p/jobs/ID/output/",   # required; results go under it
      "limits": {"preview_rows": 100, "max_output_bytes": 1073741824, "timeout_s": 240}
    }

A payload larger than Lambda's 6 MB request limit is stored in S3 by the engine and the
function gets only a pointer: ``{"job_id", "code_sha256", "payload_s3_uri"}``; the object at
``payload_s3_uri`` holds the full payload above.

What the handler does: stages every input from S3 into the function's temp space
(``CODEINTERP_LAMBDA_TMP_DIR``, default ``/tmp``) after checking there is room for it,
runs the code with :func:`runner.run_code` on one classic local Spark session kept in a
module global (reused by warm invocations), uploads the output files, ``manifest.json`` and
``outcome.json`` under ``output_prefix``, and returns a small response::

    {"ok": bool, "job_id": str, "error_class": "" | "CODE" | "DATA" | "RESOURCE" | ...,
     "error": str, "failing_line": int, "function_limit": "" | "memory" | "disk",
     "manifest_uri": "s3://.../manifest.json" (when ok), "outcome_uri": "s3://.../outcome.json",
     "outcome": {ok, error, error_class, failing_line, traceback_tail, stdout_tail,
                 stderr_tail, timings, engine}}      # never the manifest (previews can be big)

``function_limit`` says a RESOURCE failure came from the function's own limits (memory or
/tmp space) and would likely pass on a bigger engine; the output-size cap is not one.
Failures the handler detects are returned as ``ok: false`` responses; anything else raises
and Lambda reports it as ``FunctionError: Unhandled``. Out of memory and the function timeout
kill the runtime: the engine maps those answers itself.

The job's own ``limits.timeout_s`` is enforced here (SIGALRM in the runtime's main thread,
Spark jobs cancelled) when it is shorter than the function's remaining time.

Environment (all optional): ``CODEINTERP_LAMBDA_TMP_DIR``, ``CODEINTERP_LAMBDA_SPARK_MASTER``
(default ``local[*]``), ``CODEINTERP_LAMBDA_DRIVER_MEMORY`` (default: 60 % of
``AWS_LAMBDA_FUNCTION_MEMORY_SIZE`` when set), ``CODEINTERP_LAMBDA_DISK_HEADROOM_BYTES``
(free space kept beyond the inputs, default 64 MiB) and the ``CODEINTERP_AWS_*`` settings
(endpoint overrides in tests). Credentials come from the function's execution role (boto3's
default chain); neither they nor the environment are ever logged or written.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import signal
import threading
import time
from pathlib import Path
from typing import Any

from codeinterp_spark_supervisor import runner

log = logging.getLogger("codeinterp.lambda")

DEFAULT_DISK_HEADROOM = 64 << 20
_JOB_ID = re.compile(r"^[a-z][a-z0-9-]{2,62}$")
_MEMORY_PAT = re.compile(
    r"MemoryError|Java heap space|OutOfMemoryError|GC overhead limit|Cannot allocate memory|"
    r"UNABLE_TO_ACQUIRE_MEMORY",
    re.I,
)
_DISK_PAT = re.compile(r"No space left on device|File too large|Disk quota exceeded", re.I)

_SPARK = None  # the warm session, reused across invocations of one execution environment


class HandlerError(Exception):
    """A failure detected by the handler, returned as an ``ok: false`` response."""

    def __init__(self, message: str, error_class: str, function_limit: str = ""):
        super().__init__(message)
        self.error_class = error_class
        self.function_limit = function_limit


# ------------------------------------------------------------------------------ helpers


def _tmp_root() -> Path:
    return Path(os.environ.get("CODEINTERP_LAMBDA_TMP_DIR") or "/tmp")


_S3_CLIENTS: dict = {}


def _s3():
    """The S3 client (made once per settings: warm invocations reuse it)."""
    from codeinterp_common.aws import AwsSettings, aws_client
    from codeinterp_common.config import from_env

    settings = from_env(AwsSettings)
    if settings not in _S3_CLIENTS:
        _S3_CLIENTS[settings] = aws_client("s3", settings)
    return _S3_CLIENTS[settings]


def _split(uri: str, what: str) -> tuple[str, str]:
    from codeinterp_common.aws import split_s3_uri

    try:
        return split_s3_uri(uri)
    except ValueError as exc:
        raise HandlerError(f"{what} must be an s3:// URI: {str(uri)[:200]!r}", "DATA") from exc


def _s3_error(exc: Exception, what: str) -> HandlerError:
    """S3 ClientError -> our error class (missing data: DATA, denied: PERMISSION)."""
    code = ""
    resp = getattr(exc, "response", None)
    if isinstance(resp, dict):
        code = str(resp.get("Error", {}).get("Code", ""))
    if code in ("NoSuchKey", "404", "NoSuchBucket", "NotFound"):
        return HandlerError(f"{what}: not found ({code})", "DATA")
    if code in ("AccessDenied", "403", "AllAccessDisabled", "InvalidObjectState"):
        return HandlerError(f"{what}: access denied ({code})", "PERMISSION")
    return HandlerError(f"{what}: {type(exc).__name__} {code}".strip(), "INFRASTRUCTURE")


def _read_s3_text(s3, uri: str, what: str) -> str:
    bucket, key = _split(uri, what)
    try:
        return s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
    except Exception as exc:  # noqa: BLE001 - botocore errors
        raise _s3_error(exc, what) from exc


def _resolve_payload(s3, event: dict) -> dict:
    if not isinstance(event, dict):
        raise HandlerError("the payload must be a JSON object", "INFRASTRUCTURE")
    if event.get("payload_s3_uri"):
        full = json.loads(_read_s3_text(s3, event["payload_s3_uri"], "payload_s3_uri"))
        if event.get("job_id") and full.get("job_id") != event["job_id"]:
            raise HandlerError("the payload in S3 belongs to another job", "INFRASTRUCTURE")
        event = {**full, **{k: v for k, v in event.items() if k != "payload_s3_uri"}}
    job_id = event.get("job_id")
    if not isinstance(job_id, str) or not _JOB_ID.match(job_id):
        raise HandlerError("job_id is missing or malformed", "INFRASTRUCTURE")
    if not event.get("output_prefix"):
        raise HandlerError("output_prefix is required", "INFRASTRUCTURE")
    return event


def _code(s3, event: dict) -> str:
    if event.get("code") is not None:
        code = event["code"]
    elif event.get("code_s3_uri"):
        code = _read_s3_text(s3, event["code_s3_uri"], "code_s3_uri")
    else:
        raise HandlerError("the payload has neither code nor code_s3_uri", "INFRASTRUCTURE")
    want = str(event.get("code_sha256") or "")
    got = hashlib.sha256(code.encode("utf-8")).hexdigest()
    if not want or want != got:
        raise HandlerError(
            "code_sha256 does not match the code received; refusing to run it", "INFRASTRUCTURE"
        )
    return code


def _list_input(s3, uri: str, name: str) -> tuple[bool, list[tuple[str, str, int]]]:
    """(is_directory, [(bucket, key, size)]) of an input: one object, or every object under a prefix."""
    bucket, key = _split(uri, f"input {name!r}")
    objs: list[tuple[str, str, int]] = []
    try:
        if key and not key.endswith("/"):
            try:
                head = s3.head_object(Bucket=bucket, Key=key)
                return False, [(bucket, key, int(head["ContentLength"]))]
            except Exception as exc:  # noqa: BLE001 - 404: maybe a prefix
                if _s3_error(exc, "").error_class != "DATA":
                    raise
        prefix = key.rstrip("/") + "/" if key else ""
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for o in page.get("Contents", []):
                if not o["Key"].endswith("/"):
                    objs.append((bucket, o["Key"], int(o["Size"])))
    except HandlerError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise _s3_error(exc, f"input {name!r}") from exc
    if not objs:
        raise HandlerError(f"input {name!r}: no data at {uri[:300]}", "DATA")
    return True, objs


def _check_disk(root: Path, need: int) -> None:
    headroom = int(os.environ.get("CODEINTERP_LAMBDA_DISK_HEADROOM_BYTES") or DEFAULT_DISK_HEADROOM)
    free = shutil.disk_usage(root).free
    if need + headroom > free:
        raise HandlerError(
            f"not enough space in the function's temp dir: inputs need {need} bytes "
            f"(+{headroom} headroom), {free} free",
            "RESOURCE",
            function_limit="disk",
        )


def _stage_inputs(s3, inputs: dict, work: Path) -> dict[str, dict]:
    """Download every input into ``work/inputs``; return runner input specs with local paths."""
    listed = []
    total = 0
    for i, (name, spec) in enumerate((inputs or {}).items()):
        if not isinstance(spec, dict) or not spec.get("uri"):
            raise HandlerError(f"input {name!r} has no uri", "INFRASTRUCTURE")
        is_dir, objs = _list_input(s3, spec["uri"], name)
        total += sum(size for _, _, size in objs)
        listed.append((i, name, spec, is_dir, objs))
    _check_disk(work.parent, total)
    staged: dict[str, dict] = {}
    for i, name, spec, is_dir, objs in listed:
        base = work / "inputs" / f"in{i}"
        base.mkdir(parents=True, exist_ok=True)
        prefix = _split(spec["uri"], name)[1].rstrip("/") + "/"
        for bucket, key, _ in objs:
            rel = key[len(prefix) :] if is_dir else key.rsplit("/", 1)[-1]
            if not rel or ".." in Path(rel).parts:
                continue
            dest = base / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            try:
                s3.download_file(bucket, key, str(dest))
            except OSError as exc:
                if _DISK_PAT.search(str(exc)):
                    raise HandlerError(f"input {name!r}: {exc}", "RESOURCE", function_limit="disk") from exc
                raise
            except Exception as exc:  # noqa: BLE001
                raise _s3_error(exc, f"input {name!r}") from exc
        local = str(base) if is_dir else str(base / objs[0][1].rsplit("/", 1)[-1])
        out = {k: v for k, v in spec.items() if k != "uri"}
        out["path"] = local
        staged[name] = out
    return staged


_CREDENTIAL_VARS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")


@contextlib.contextmanager
def _hidden_credentials():
    """Take the function's credentials out of the environment while the JVM starts and the job
    code runs: neither ``os.environ`` nor ``System.getenv`` in the JVM (nor Spark's Python
    workers, which inherit the JVM's environment) show them, so a job cannot print them into its
    output. The S3 client has resolved its credentials before (defence in depth only: the
    execution role's permissions are the real boundary)."""
    saved = {k: os.environ.pop(k) for k in _CREDENTIAL_VARS if k in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


def _driver_memory() -> str | None:
    explicit = os.environ.get("CODEINTERP_LAMBDA_DRIVER_MEMORY")
    if explicit:
        return explicit
    size = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
    if size and size.isdigit():
        return f"{max(512, int(int(size) * 0.6))}m"
    return None


def spark_session():
    """The execution environment's local Spark session (started on first use, then reused)."""
    global _SPARK
    if _SPARK is not None:
        try:
            if _SPARK.sparkContext._jsc is not None:
                return _SPARK
        except Exception:  # noqa: BLE001 - a dead JVM: start again
            pass
        _SPARK = None
    tmp = _tmp_root()
    conf = {
        "spark.local.dir": str(tmp / "spark-local"),
        "spark.jars.ivy": str(tmp / ".ivy2"),
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.driver.host": "127.0.0.1",
    }
    mem = _driver_memory()
    if mem:
        conf["spark.driver.memory"] = mem
    with _hidden_credentials():
        _SPARK = runner.classic_session(
            os.environ.get("CODEINTERP_LAMBDA_SPARK_MASTER") or "local[*]",
            warehouse=str(tmp / "spark-warehouse"),
            app_name="codeinterp-lambda",
            conf=conf,
        )
    return _SPARK


class JobTimeout(TimeoutError):
    """The job's own time limit (``limits.timeout_s``) was reached."""


@contextlib.contextmanager
def _deadline(seconds: float, spark):
    """Raise TimeoutError in the code after ``seconds`` (main thread only) and cancel Spark jobs."""
    if not seconds or seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum, frame):  # noqa: ARG001
        threading.Thread(target=_cancel_jobs, args=(spark,), daemon=True).start()
        raise JobTimeout(f"the job exceeded its time limit of {seconds:g} s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _cancel_jobs(spark) -> None:
    with contextlib.suppress(Exception):
        spark.sparkContext.cancelAllJobs()


def _function_limit(outcome: dict) -> str:
    if outcome.get("ok") or outcome.get("error_class") != "RESOURCE":
        return ""
    text = f"{outcome.get('error') or ''}\n{outcome.get('traceback_tail') or ''}"
    if "output size cap" in text:
        return ""
    if _DISK_PAT.search(text):
        return "disk"
    if _MEMORY_PAT.search(text):
        return "memory"
    return ""


def _upload_outputs(s3, out_dir: Path, bucket: str, key_prefix: str, manifest: dict | None) -> dict | None:
    """Upload the result files; return the manifest with ``files[].uri`` pointing at S3."""
    if out_dir.exists():
        for p in sorted(out_dir.rglob("*")):
            rel = p.relative_to(out_dir)
            if not p.is_file() or any(part.startswith((".", "_")) for part in rel.parts):
                continue
            s3.upload_file(str(p), bucket, key_prefix + rel.as_posix())
    if manifest is None:
        return None
    manifest = dict(manifest)
    files = []
    for f in manifest.get("files", []):
        f = dict(f)
        try:
            rel = Path(f["uri"]).relative_to(out_dir).as_posix()
            f["uri"] = f"s3://{bucket}/{key_prefix}{rel}"
        except ValueError:
            pass
        files.append(f)
    manifest["files"] = files
    return manifest


def _put_json(s3, bucket: str, key: str, obj: Any) -> None:
    s3.put_object(
        Bucket=bucket, Key=key, Body=json.dumps(obj, default=str).encode(), ContentType="application/json"
    )


def _small_outcome(outcome: dict) -> dict:
    keep = ("ok", "error", "error_class", "failing_line", "traceback_tail", "stdout_tail", "stderr_tail")
    small = {k: outcome.get(k) for k in keep if k in outcome}
    manifest = outcome.get("manifest") or {}
    for k in ("stdout_tail", "stderr_tail"):  # a successful run keeps them in the manifest
        if not small.get(k) and manifest.get(k):
            small[k] = manifest[k]
    small["timings"] = outcome.get("timings", {})
    small["engine"] = outcome.get("engine", "lambda")
    return small


def _response(
    job_id: str,
    *,
    ok: bool,
    error_class: str = "",
    error: str = "",
    failing_line: int = 0,
    function_limit: str = "",
    manifest_uri: str = "",
    outcome_uri: str = "",
    outcome: dict | None = None,
) -> dict:
    return {
        "ok": ok,
        "job_id": job_id,
        "error_class": error_class or "",
        "error": (error or "")[:4000],
        "failing_line": int(failing_line or 0),
        "function_limit": function_limit,
        "manifest_uri": manifest_uri,
        "outcome_uri": outcome_uri,
        "outcome": outcome or {},
    }


# ------------------------------------------------------------------------------ entry point


def handler(event: dict, context: Any = None) -> dict:
    """Lambda handler (see the module docstring for the payload and the response)."""
    t0 = time.monotonic()
    request_id = str(getattr(context, "aws_request_id", "") or "")
    s3 = _s3()
    job_id = str(event.get("job_id", "")) if isinstance(event, dict) else ""
    try:
        event = _resolve_payload(s3, event)
        job_id = event["job_id"]
        code = _code(s3, event)
        out_bucket, out_key = _split(event["output_prefix"], "output_prefix")
        out_key = out_key.rstrip("/") + "/" if out_key else ""
    except HandlerError as exc:
        log.warning("lambda job rejected: %s", exc, extra={"job": job_id})
        return _response(
            job_id, ok=False, error_class=exc.error_class, error=str(exc), function_limit=exc.function_limit
        )
    limits = event.get("limits") or {}
    log.info("lambda job %s starting (request %s)", job_id, request_id)
    work = _tmp_root() / "codeinterp-jobs" / job_id
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    outcome: dict
    try:
        try:
            staged = _stage_inputs(s3, event.get("inputs") or {}, work)
        except HandlerError as exc:
            outcome = {
                "ok": False,
                "manifest": None,
                "error": str(exc),
                "error_class": exc.error_class,
                "failing_line": None,
                "function_limit": exc.function_limit,
            }
        else:
            t_stage = time.monotonic() - t0
            # A new session per job on the shared context: temp views, SQL settings and UDFs of
            # one job are never visible to the next job in this warm environment.
            spark = spark_session().newSession()
            t_session = time.monotonic() - t0 - t_stage
            timeout_s = float(limits.get("timeout_s") or 0)
            if context is not None and hasattr(context, "get_remaining_time_in_millis"):
                remaining = context.get_remaining_time_in_millis() / 1000.0
                if timeout_s and timeout_s >= remaining - 1:
                    timeout_s = 0  # the function timeout comes first: Lambda enforces it
            try:
                with _deadline(timeout_s, spark), _hidden_credentials():
                    outcome = runner.run_code(
                        spark,
                        code,
                        staged,
                        work / "output",
                        preview_rows=int(limits.get("preview_rows") or runner.DEFAULT_PREVIEW_ROWS),
                        max_output_bytes=int(
                            limits.get("max_output_bytes") or runner.DEFAULT_MAX_OUTPUT_BYTES
                        ),
                    )
            except JobTimeout as exc:  # the alarm hit outside the user code (binding, writing)
                outcome = {
                    "ok": False,
                    "manifest": None,
                    "error": f"JobTimeout: {exc}",
                    "error_class": "TIMEOUT",
                    "failing_line": None,
                }
            outcome["function_limit"] = _function_limit(outcome)
            outcome.setdefault("timings", {}).update(stage_s=round(t_stage, 4), session_s=round(t_session, 4))
        outcome["engine"] = "lambda"
        outcome["request_id"] = request_id
        manifest_uri = ""
        try:
            manifest = _upload_outputs(s3, work / "output", out_bucket, out_key, outcome.get("manifest"))
            outcome["manifest"] = manifest
            if outcome.get("ok") and manifest is not None:
                _put_json(s3, out_bucket, out_key + "manifest.json", manifest)
                manifest_uri = f"s3://{out_bucket}/{out_key}manifest.json"
            outcome.setdefault("timings", {})["handler_s"] = round(time.monotonic() - t0, 4)
            _put_json(s3, out_bucket, out_key + "outcome.json", outcome)
        except Exception as exc:  # noqa: BLE001 - S3 upload failure
            err = _s3_error(exc, "uploading the results")
            return _response(
                job_id, ok=False, error_class=err.error_class, error=str(err), outcome=_small_outcome(outcome)
            )
        log.info(
            "lambda job %s finished ok=%s class=%s in %.2fs",
            job_id,
            outcome.get("ok"),
            outcome.get("error_class"),
            time.monotonic() - t0,
        )
        return _response(
            job_id,
            ok=bool(outcome.get("ok")),
            error_class=outcome.get("error_class") or "",
            error=outcome.get("error") or "",
            failing_line=outcome.get("failing_line") or 0,
            function_limit=outcome.get("function_limit") or "",
            manifest_uri=manifest_uri,
            outcome_uri=f"s3://{out_bucket}/{out_key}outcome.json",
            outcome=_small_outcome(outcome),
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if _SPARK is not None:
            with contextlib.suppress(Exception):
                _SPARK.catalog.clearCache()  # cached data of this job must not outlive it
