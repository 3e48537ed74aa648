"""AWS settings and client factory shared by every service in AWS mode.

Credentials always come from boto3's default chain (IRSA / EKS Pod Identity / instance role in
the cluster, environment variables in tests); they are never a setting and never logged.
Endpoints can be overridden per API (moto, LocalStack or our loopback fixtures in tests).
"""

from __future__ import annotations

from dataclasses import dataclass

from codeinterp_common.config import setting

# API name as boto3 spells it -> field of AwsSettings that overrides its endpoint
_ENDPOINT_FIELDS = {
    "s3": "s3_endpoint_url",
    "glue": "glue_endpoint_url",
    "lambda": "lambda_endpoint_url",
    "emr-serverless": "emr_endpoint_url",
    "bedrock-runtime": "bedrock_endpoint_url",
    "bedrock": "bedrock_endpoint_url",
    "sts": "endpoint_url",
}


@dataclass(frozen=True)
class AwsSettings:
    """`CODEINTERP_AWS_*` settings. Only used when a service runs in `aws` mode."""

    aws_region: str = setting("us-east-1", "AWS region of every API call")
    aws_endpoint_url: str = setting(
        "", "Endpoint override for every AWS API (tests: moto); empty: AWS itself"
    )
    aws_s3_endpoint_url: str = setting("", "Endpoint override for S3 only")
    aws_glue_endpoint_url: str = setting("", "Endpoint override for Glue only")
    aws_lambda_endpoint_url: str = setting("", "Endpoint override for Lambda only")
    aws_emr_endpoint_url: str = setting("", "Endpoint override for EMR Serverless only")
    aws_bedrock_endpoint_url: str = setting("", "Endpoint override for Bedrock Runtime only")
    aws_bucket: str = setting("", "S3 bucket for uploads, datasets, job code, results and logs")
    aws_prefix: str = setting("codeinterp", "Key prefix inside the bucket")
    aws_connect_timeout_s: float = setting(5.0, "Connect timeout of every AWS call")
    aws_read_timeout_s: float = setting(60.0, "Read timeout of AWS calls (Lambda invoke uses its own)")
    aws_max_attempts: int = setting(5, "botocore standard-mode attempts (Lambda invoke: always 1)")

    def endpoint_for(self, service: str) -> str | None:
        specific = getattr(self, "aws_" + _ENDPOINT_FIELDS.get(service, "endpoint_url"), "")
        return specific or self.aws_endpoint_url or None

    def key(self, *parts: str) -> str:
        """An S3 key under the configured prefix."""
        clean = [p.strip("/") for p in (self.aws_prefix, *parts) if p and p.strip("/")]
        return "/".join(clean)

    def uri(self, *parts: str) -> str:
        return f"s3://{self.aws_bucket}/{self.key(*parts)}"


def aws_client(
    service: str,
    settings: AwsSettings,
    *,
    max_attempts: int | None = None,
    read_timeout_s: float | None = None,
    tcp_keepalive: bool = False,
):
    """A boto3 client with botocore `standard` retries and explicit timeouts.

    `max_attempts=1` disables retries (Lambda invoke: a retry would run the job twice);
    `tcp_keepalive=True` keeps a long synchronous invoke's idle connection alive."""
    import boto3
    from botocore.config import Config

    config = Config(
        region_name=settings.aws_region,
        connect_timeout=settings.aws_connect_timeout_s,
        read_timeout=read_timeout_s if read_timeout_s is not None else settings.aws_read_timeout_s,
        retries={"mode": "standard", "total_max_attempts": max_attempts or settings.aws_max_attempts},
        signature_version="s3v4" if service == "s3" else None,
        tcp_keepalive=tcp_keepalive,
    )
    return boto3.session.Session().client(service, endpoint_url=settings.endpoint_for(service), config=config)


def split_s3_uri(uri: str) -> tuple[str, str]:
    """`s3://bucket/key` -> (bucket, key). Raises ValueError for anything else."""
    if not uri.startswith("s3://"):
        raise ValueError(f"not an s3:// URI: {uri!r}")
    bucket, _, key = uri[5:].partition("/")
    if not bucket:
        raise ValueError(f"s3 URI without a bucket: {uri!r}")
    return bucket, key
