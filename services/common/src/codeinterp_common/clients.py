"""gRPC client channels between services: explicit limits, keepalive and a retry policy for
idempotent reads only (job-creating calls rely on request ids instead)."""

from __future__ import annotations

import json
from typing import Any

import grpc

from codeinterp_common.auth import client_interceptors
from codeinterp_common.config import ConfigError, ServerSettings

_RETRY_READS = {
    "methodConfig": [
        {
            "name": [{"service": "grpc.health.v1.Health"}],
            "retryPolicy": {
                "maxAttempts": 3,
                "initialBackoff": "0.1s",
                "maxBackoff": "1s",
                "backoffMultiplier": 2,
                "retryableStatusCodes": ["UNAVAILABLE"],
            },
        }
    ]
}


def insecure_channel(
    target: str,
    *,
    max_message_mb: int = 16,
    extra: list[tuple[str, Any]] | None = None,
    service_token: str = "",
    credentials: grpc.ChannelCredentials | None = None,
):
    """A channel to another service. Every call carries `service_token` (when set) and the
    principal being served (when any); `credentials` makes it a TLS channel."""
    options = _options(max_message_mb, extra)
    # Only with a token: aio client interceptors cost a task per call. Callers that act for a
    # principal add its metadata themselves (auth.principal_metadata) in every mode.
    interceptors = client_interceptors(service_token) if service_token else None
    if credentials is not None:
        return grpc.aio.secure_channel(target, credentials, options=options, interceptors=interceptors)
    return grpc.aio.insecure_channel(target, options=options, interceptors=interceptors)


def service_channel(target: str, settings: ServerSettings, *, max_message_mb: int | None = None):
    """`insecure_channel` configured from the settings: service token and, when a CA bundle is
    set, TLS with this service's certificate as the client certificate (mTLS)."""
    return insecure_channel(
        target,
        max_message_mb=max_message_mb or settings.max_message_mb,
        service_token=settings.service_token,
        credentials=channel_credentials(settings),
    )


def channel_credentials(settings: ServerSettings) -> grpc.ChannelCredentials | None:
    if not settings.tls_ca_file:
        return None

    def read(path: str) -> bytes:
        try:
            with open(path, "rb") as f:
                return f.read()
        except OSError as exc:
            raise ConfigError(f"cannot read {path}: {exc.strerror}") from None

    key = read(settings.tls_key_file) if settings.tls_key_file else None
    cert = read(settings.tls_cert_file) if settings.tls_cert_file else None
    return grpc.ssl_channel_credentials(read(settings.tls_ca_file), private_key=key, certificate_chain=cert)


def _options(max_message_mb: int, extra: list[tuple[str, Any]] | None) -> list[tuple[str, Any]]:
    limit = max_message_mb * 1024 * 1024
    return [
        ("grpc.max_receive_message_length", limit),
        ("grpc.max_send_message_length", limit),
        ("grpc.enable_retries", 1),
        ("grpc.service_config", json.dumps(_RETRY_READS)),
        ("grpc.keepalive_time_ms", 120_000),
        ("grpc.keepalive_permit_without_calls", 0),
        *(extra or []),
    ]
