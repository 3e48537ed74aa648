"""gRPC client channels between services: explicit limits, keepalive and a retry policy for
idempotent reads only (job-creating calls rely on request ids instead)."""

from __future__ import annotations

import json
from typing import Any

import grpc

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


def insecure_channel(target: str, *, max_message_mb: int = 16, extra: list[tuple[str, Any]] | None = None):
    limit = max_message_mb * 1024 * 1024
    options = [
        ("grpc.max_receive_message_length", limit),
        ("grpc.max_send_message_length", limit),
        ("grpc.enable_retries", 1),
        ("grpc.service_config", json.dumps(_RETRY_READS)),
        ("grpc.keepalive_time_ms", 120_000),
        ("grpc.keepalive_permit_without_calls", 0),
        *(extra or []),
    ]
    return grpc.aio.insecure_channel(target, options=options)
