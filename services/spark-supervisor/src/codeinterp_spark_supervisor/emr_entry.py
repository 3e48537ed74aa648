"""EMR Serverless entry point: runs one codeinterp job described in S3.

The spark-supervisor's ``EmrServerlessEngine`` uploads, under ``s3://{bucket}/{prefix}/jobs/{id}/``:

* ``emr_entry.py`` (this file) — the job driver's ``entryPoint``;
* ``runner.py`` — the shared runner (the one runtime contract), shipped with
  ``--py-files`` so ``import runner`` works on the driver;
* ``job.json`` — the runner's job spec (code, inputs with ``s3://`` paths, preview rows,
  output cap, ``register_tables``);
* ``code.py`` — the code alone, for people reading the bucket.

``entryPointArguments``: ``--job-uri s3://{bucket}/{prefix}/jobs/{id}``.

What it does on the driver: downloads ``job.json`` to a local temp dir, runs the code with
the runner (Spark reads the ``s3://`` inputs natively through EMRFS; catalog tables resolve
through the application's Glue Data Catalog metastore, so ``register_tables`` is false),
then uploads the runner's output files, ``manifest.json`` (file URIs rewritten to
``s3://``) and ``outcome.json`` under ``{job-uri}/output/``. Prints flow to the driver's
stdout and the error with its traceback to stderr (EMR copies both to the monitoring log
URI). Exit status 1 when the job failed, so EMR reports the run FAILED; the supervisor reads
``outcome.json`` for the error class and failing line.

``--stage-inputs`` (off on EMR): download ``s3://`` inputs to local files first and register
table inputs over them. The loopback EMR emulator in tests uses it because this machine has
no S3 connector (hadoop-aws) for Spark; a Spark deployment without one could too.

Known limit: results above the runner's small-result size (10,000 rows) are written by
Spark to the driver's local disk before the upload, which on a multi-executor EMR run needs
the result to be gathered on the driver; writing large results straight to S3 is future work.

The S3 client comes from boto3's default chain (the job's execution role on EMR); in tests
``AWS_ENDPOINT_URL_S3`` points it at moto.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import traceback
from pathlib import Path

try:  # on EMR: shipped next to this file with --py-files
    import runner  # type: ignore[import-not-found]
except ImportError:  # in the package (tests, local use)
    from codeinterp_spark_supervisor import runner


def split_s3_uri(uri: str) -> tuple[str, str]:
    if not uri.startswith("s3://"):
        raise ValueError(f"not an s3:// URI: {uri!r}")
    bucket, _, key = uri[5:].partition("/")
    if not bucket:
        raise ValueError(f"s3 URI without a bucket: {uri!r}")
    return bucket, key


def _s3():
    import boto3

    return boto3.client("s3")


def _download_tree(s3, uri: str, dest: Path) -> Path:
    """An object -> a file; a prefix -> a directory of its objects. Returns the local path."""
    bucket, key = split_s3_uri(uri)
    if key and not key.endswith("/"):
        try:
            s3.head_object(Bucket=bucket, Key=key)
        except Exception:  # noqa: BLE001 - not an object: a prefix
            pass
        else:
            target = dest.with_suffix(Path(key).suffix)
            target.parent.mkdir(parents=True, exist_ok=True)
            s3.download_file(bucket, key, str(target))
            return target
    prefix = key.rstrip("/") + "/" if key else ""
    count = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            rel = obj["Key"][len(prefix) :]
            if not rel or rel.endswith("/") or Path(rel).name.startswith(("_", ".")):
                continue
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            s3.download_file(bucket, obj["Key"], str(target))
            count += 1
    if count == 0:
        raise FileNotFoundError(f"nothing at {uri}")
    return dest


def stage_inputs(s3, job: dict, job_dir: Path) -> dict:
    """The job spec with every s3:// input downloaded under ``job_dir/inputs`` (emulation)."""
    staged = dict(job)
    inputs = {}
    for name, spec in (job.get("inputs") or {}).items():
        spec = dict(spec)
        path = spec.get("path") or ""
        if path.startswith("s3://"):
            spec["path"] = str(_download_tree(s3, path, job_dir / "inputs" / name))
        inputs[name] = spec
    staged["inputs"] = inputs
    if any((s.get("kind") or "").lower() == "table" for s in inputs.values()):
        staged["register_tables"] = (
            True  # no Glue metastore here: tables are registered over the staged files
        )
    return staged


def _upload_outputs(s3, job_dir: Path, bucket: str, out_key: str, outcome: dict) -> dict:
    """Uploads output files; returns the outcome with manifest file URIs rewritten to s3://."""
    out_dir = job_dir / "output"
    mapping: dict[str, str] = {}
    if out_dir.exists():
        for path in sorted(p for p in out_dir.rglob("*") if p.is_file()):
            rel = path.relative_to(out_dir).as_posix()
            if Path(rel).name.startswith(".") and rel.endswith(".crc"):
                continue
            s3.upload_file(str(path), bucket, f"{out_key}/{rel}")
            mapping[str(path)] = f"s3://{bucket}/{out_key}/{rel}"
    manifest = outcome.get("manifest")
    if manifest:
        for item in manifest.get("files", []):
            item["uri"] = mapping.get(item["uri"], item["uri"])
        s3.put_object(
            Bucket=bucket, Key=f"{out_key}/manifest.json", Body=json.dumps(manifest, default=str).encode()
        )
    s3.put_object(
        Bucket=bucket, Key=f"{out_key}/outcome.json", Body=json.dumps(outcome, default=str).encode()
    )
    return outcome


def run(spark, job_uri: str, *, stage: bool = False, s3=None) -> dict:
    """Runs the job at ``job_uri`` on ``spark`` and uploads its outputs. Returns the outcome."""
    s3 = s3 or _s3()
    bucket, key = split_s3_uri(job_uri.rstrip("/"))
    out_key = f"{key}/output"
    with tempfile.TemporaryDirectory(prefix="codeinterp-emr-") as tmp:
        job_dir = Path(tmp)
        try:
            job = json.loads(s3.get_object(Bucket=bucket, Key=f"{key}/job.json")["Body"].read())
            if stage:
                job = stage_inputs(s3, job, job_dir)
            (job_dir / "job.json").write_text(json.dumps(job))
        except Exception as exc:  # noqa: BLE001 - reported in outcome.json like any failure
            outcome = {"ok": False, "manifest": None, **runner.error_record(exc)}
            if outcome["error_class"] == "CODE":
                outcome["error_class"] = "DATA" if isinstance(exc, FileNotFoundError) else "INFRASTRUCTURE"
            outcome["engine"] = "emr-serverless"
        else:
            outcome = runner.run_job_dir(job_dir, spark, engine="emr-serverless", tee=True)
        _upload_outputs(s3, job_dir, bucket, out_key, outcome)
    if outcome.get("ok"):
        rows = (outcome.get("manifest") or {}).get("row_count", 0)
        print(f"codeinterp: job finished: {rows} row(s), outputs under s3://{bucket}/{out_key}/", flush=True)
    else:
        print(
            f"codeinterp: job failed [{outcome.get('error_class')}] line {outcome.get('failing_line')}: "
            f"{outcome.get('error')}\n{outcome.get('traceback_tail') or ''}",
            file=sys.stderr,
            flush=True,
        )
    return outcome


def session(master: str | None = None):
    """The driver's SparkSession: EMR's (spark-submit sets the master) or a local one."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("codeinterp-job")
    if master:
        builder = builder.master(master)
    for k, v in runner.SESSION_CONF.items():
        builder = builder.config(k, v)
    return builder.getOrCreate()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="Run one codeinterp job described in S3 (EMR Serverless entry point)."
    )
    ap.add_argument("--job-uri", required=True, help="s3://bucket/prefix/jobs/<id>")
    ap.add_argument(
        "--stage-inputs", action="store_true", help="download s3:// inputs first (no S3 connector)"
    )
    ap.add_argument("--master", default=None, help="Spark master (default: what spark-submit set)")
    args = ap.parse_args(argv)
    t0 = time.monotonic()
    try:
        spark = session(args.master)
    except Exception:  # noqa: BLE001 - no session: nothing to report to S3 but the log
        traceback.print_exc()
        return 2
    try:
        outcome = run(spark, args.job_uri, stage=args.stage_inputs)
    finally:
        spark.stop()
    print(f"codeinterp: total {time.monotonic() - t0:.2f} s", flush=True)
    return 0 if outcome.get("ok") else 1


if __name__ == "__main__":
    sys.exit(main())
