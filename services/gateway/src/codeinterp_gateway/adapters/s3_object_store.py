"""The ObjectStore of AWS mode: one S3 bucket under a key prefix.

Implements the same Protocol as `LocalObjectStore`
(`codeinterp_gateway.domain.datasets.ObjectStore`), so switching is configuration only
(`CODEINTERP_MODE=aws` + `codeinterp_common.aws.AwsSettings`). Keys follow the same rules
(`/`-separated `[A-Za-z0-9_.=-]` segments, no `.`/`..`/empty segments) and live under
`s3://{bucket}/{prefix}/`, e.g. `sessions/{session}/datasets/{dataset}.csv` (the layout of
/work/notes/aws-contract.md; keys are per session, so a session's objects are one prefix).

* Writes go through boto3's transfer manager (`upload_fileobj` + `TransferConfig`): a
  single PUT below `multipart_threshold`, a multipart upload above it (parts of
  `multipart_chunksize`). An S3 object is never visible half-written either way.
* `presign_put` signs a PUT of one key with its Content-Type for a client upload;
  `presign_get` signs a GET of one object (of this bucket) for a result download. The
  expiry is the caller's (settings: `spark.presigned_url_expiry_hours`, upload URL TTL)
  and SigV4 caps it at 7 days.
* Credentials come from boto3's default chain only (IRSA / EKS Pod Identity / instance
  role; env vars in tests). Nothing here logs a URL, a header or an SDK exception text.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from typing import Any, BinaryIO

from codeinterp_common.aws import AwsSettings, aws_client, split_s3_uri
from codeinterp_common.errors import InvalidArgument, NotFound, PermissionDenied, ServiceError, Unavailable

log = logging.getLogger(__name__)

_SEGMENT = re.compile(r"[A-Za-z0-9_.=-]+")
MAX_PRESIGN_S = 7 * 24 * 3600  # SigV4 limit
_DELETE_BATCH = 1000  # DeleteObjects limit
_NOT_FOUND = {"NoSuchKey", "404", "NotFound", "NoSuchBucket"}
_DENIED = {
    "AccessDenied",
    "403",
    "Forbidden",
    "AllAccessDisabled",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "InvalidToken",
}


@dataclass(frozen=True)
class S3TransferSettings:
    """Transfer-manager tuning. Tests lower the threshold to force multipart on small files."""

    multipart_threshold: int = 16 * 1024 * 1024
    multipart_chunksize: int = 16 * 1024 * 1024  # S3 minimum part size is 5 MiB (except the last part)
    max_concurrency: int = 4


def validate_key(key: str, *, prefix: bool = False) -> str:
    segments = key.split("/")
    if prefix and segments and segments[-1] == "":
        segments = segments[:-1]
    if (
        not key
        or key.startswith("/")
        or "\\" in key
        or not segments
        or any(s in ("", ".", "..") or not _SEGMENT.fullmatch(s) for s in segments)
    ):
        raise InvalidArgument(
            f"object key {key[:300]!r} is invalid",
            field="key",
            reason="OBJECT_KEY_INVALID",
            metadata={"key": key[:300]},
        )
    return key


def map_client_error(exc: Exception, *, key: str = "", what: str = "S3") -> ServiceError:
    """botocore ClientError → a ServiceError with a reason; never the SDK message (it may echo a request)."""
    response = getattr(exc, "response", {}) or {}
    code = str((response.get("Error") or {}).get("Code", "") or "")
    status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
    meta = {"key": key, "aws_error_code": code or str(status)}
    if code in _NOT_FOUND or status == 404:
        return NotFound(f"object {key} does not exist", reason="OBJECT_NOT_FOUND", metadata=meta)
    if code in _DENIED or status == 403:
        return PermissionDenied(
            f"{what} denied access to {key or 'the bucket'} ({code or status})",
            reason="AWS_ACCESS_DENIED",
            metadata=meta,
        )
    return Unavailable(f"{what} request failed ({code or status})", reason="AWS_UNAVAILABLE", metadata=meta)


class S3ObjectStore:
    def __init__(
        self,
        aws: AwsSettings,
        *,
        client: Any = None,
        transfer: S3TransferSettings | None = None,
    ) -> None:
        if not aws.aws_bucket:
            raise ValueError("AWS mode needs CODEINTERP_AWS_BUCKET")
        self.aws = aws
        self.bucket = aws.aws_bucket
        self.client = client if client is not None else aws_client("s3", aws)
        self.transfer = transfer or S3TransferSettings()

    # ------------------------------------------------------------ key mapping

    def full_key(self, key: str, *, prefix: bool = False) -> str:
        validate_key(key, prefix=prefix)
        full = self.aws.key(key)
        return full + "/" if prefix and key.endswith("/") else full

    def _relative(self, full_key: str) -> str:
        base = self.aws.key()
        return full_key[len(base) + 1 :] if base else full_key

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{self.full_key(key)}"

    # ------------------------------------------------------------ ObjectStore Protocol

    def put(self, key: str, data: bytes) -> int:
        return self.put_fileobj(
            key, io.BytesIO(data), content_type="text/csv" if key.endswith(".csv") else ""
        )

    def put_fileobj(self, key: str, fileobj: BinaryIO, *, content_type: str = "") -> int:
        """Streams `fileobj` to the key: one PUT, or a multipart upload above the threshold."""
        from boto3.s3.transfer import TransferConfig
        from botocore.exceptions import BotoCoreError, ClientError

        full = self.full_key(key)
        counter = _CountingReader(fileobj)
        config = TransferConfig(
            multipart_threshold=self.transfer.multipart_threshold,
            multipart_chunksize=self.transfer.multipart_chunksize,
            max_concurrency=self.transfer.max_concurrency,
        )
        extra = {"ContentType": content_type} if content_type else None
        try:
            self.client.upload_fileobj(counter, self.bucket, full, ExtraArgs=extra, Config=config)
        except ClientError as exc:
            raise map_client_error(exc, key=key) from None
        except BotoCoreError as exc:
            raise Unavailable(
                f"S3 upload failed ({type(exc).__name__})", reason="AWS_UNAVAILABLE", metadata={"key": key}
            ) from None
        return counter.count

    def get(self, key: str) -> bytes:
        with self.open(key) as body:
            return body.read()

    def open(self, key: str) -> BinaryIO:
        return self._get_object(self.full_key(key), key)["Body"]

    def read_range(self, key: str, start: int, length: int) -> bytes:
        """Bytes [start, start+length) of an object (a ranged GET)."""
        return self.read_range_full(self.full_key(key), start, length, key=key)

    def read_range_full(
        self, full_key: str, start: int, length: int, *, key: str = "", bucket: str | None = None
    ) -> bytes:
        body = self._get_object(
            full_key, key or full_key, Range=f"bytes={start}-{start + length - 1}", bucket=bucket
        )["Body"]
        with body:
            return body.read()

    def delete(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        full = self.full_key(key)
        existed = self.exists(key)
        try:
            self.client.delete_object(Bucket=self.bucket, Key=full)
        except ClientError as exc:
            raise map_client_error(exc, key=key) from None
        return existed

    def delete_prefix(self, prefix: str) -> int:
        from botocore.exceptions import ClientError

        full_keys = self._list_full(self.full_key(prefix, prefix=True))
        deleted = 0
        for i in range(0, len(full_keys), _DELETE_BATCH):
            batch = full_keys[i : i + _DELETE_BATCH]
            try:
                reply = self.client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True}
                )
            except ClientError as exc:
                raise map_client_error(exc, key=prefix) from None
            errors = reply.get("Errors") or []
            if errors:
                log.warning("S3 delete_objects left objects", extra={"prefix": prefix, "errors": len(errors)})
            deleted += len(batch) - len(errors)
        return deleted

    def list(self, prefix: str = "") -> list[str]:
        """Keys starting with `prefix` (a whole-segment prefix ending in `/`, a key, or empty), sorted."""
        if prefix:
            full_prefix = self.full_key(prefix, prefix=True)
        else:
            base = self.aws.key()
            full_prefix = base + "/" if base else ""
        keys = [self._relative(k) for k in self._list_full(full_prefix)]
        if prefix and not prefix.endswith("/"):
            keys = [k for k in keys if k == prefix or k.startswith(prefix + "/")]
        return sorted(keys)

    def exists(self, key: str) -> bool:
        try:
            self._head(self.full_key(key), key)
        except NotFound:
            return False
        return True

    def size(self, key: str) -> int:
        return int(self._head(self.full_key(key), key)["ContentLength"])

    # ------------------------------------------------------------ presigning

    def presign_put(self, key: str, *, expires_s: int, content_type: str = "text/csv") -> str:
        """A URL a client PUTs the object's bytes to (the Content-Type header must match)."""
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": self.full_key(key)}
        if content_type:
            params["ContentType"] = content_type
        return self.client.generate_presigned_url(
            "put_object", Params=params, ExpiresIn=_clamp_expiry(expires_s), HttpMethod="PUT"
        )

    def presign_get(self, key_or_uri: str, *, expires_s: int, filename: str = "") -> str:
        """A download URL for a key of this store or an s3:// URI inside this bucket and prefix.

        URIs elsewhere are PERMISSION_DENIED: the gateway only signs what it owns."""
        if key_or_uri.startswith("s3://"):
            bucket, full = split_s3_uri(key_or_uri)
            base = self.aws.key()
            if bucket != self.bucket or (base and not full.startswith(base + "/")) or ".." in full.split("/"):
                raise PermissionDenied(
                    f"{key_or_uri} is outside the service's bucket prefix",
                    reason="S3_URI_OUTSIDE_PREFIX",
                    metadata={"uri": key_or_uri},
                )
        else:
            full = self.full_key(key_or_uri)
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": full}
        if filename:
            safe = re.sub(r"[^A-Za-z0-9_.-]", "_", filename)[:200]
            params["ResponseContentDisposition"] = f'attachment; filename="{safe}"'
        return self.client.generate_presigned_url(
            "get_object", Params=params, ExpiresIn=_clamp_expiry(expires_s), HttpMethod="GET"
        )

    # ------------------------------------------------------------ helpers

    def _get_object(
        self, full_key: str, key: str, *, bucket: str | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return self.client.get_object(Bucket=bucket or self.bucket, Key=full_key, **kwargs)
        except ClientError as exc:
            raise map_client_error(exc, key=key) from None
        except BotoCoreError as exc:
            raise Unavailable(
                f"S3 read failed ({type(exc).__name__})", reason="AWS_UNAVAILABLE", metadata={"key": key}
            ) from None

    def _head(self, full_key: str, key: str) -> dict[str, Any]:
        from botocore.exceptions import ClientError

        try:
            return self.client.head_object(Bucket=self.bucket, Key=full_key)
        except ClientError as exc:
            raise map_client_error(exc, key=key) from None

    def _list_full(self, full_prefix: str, *, bucket: str | None = None) -> list[str]:
        return [o["Key"] for o in self.list_objects(full_prefix, bucket=bucket)]

    def list_objects(
        self, full_prefix: str, *, bucket: str | None = None, limit: int = 0
    ) -> list[dict[str, Any]]:
        """Raw `Contents` entries (Key, Size, LastModified, ETag) under a full key prefix, paginated."""
        from botocore.exceptions import ClientError

        out: list[dict[str, Any]] = []
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=bucket or self.bucket, Prefix=full_prefix):
                out.extend(page.get("Contents") or [])
                if limit and len(out) >= limit:
                    return out[:limit]
        except ClientError as exc:
            raise map_client_error(exc, key=full_prefix) from None
        return out


class _CountingReader(io.RawIOBase):
    """Wraps a file object and counts the bytes the transfer manager reads."""

    def __init__(self, inner: BinaryIO) -> None:
        self._inner = inner
        self.count = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._inner.read(size)
        self.count += len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _clamp_expiry(expires_s: int) -> int:
    return max(1, min(int(expires_s), MAX_PRESIGN_S))
